package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The time budget, and the inputs the checker refuses. */
class CheckerLimitsTest {

  /**
   * Forty concurrent puts, then forty reads one after the other, each of a different put's value:
   * after all the puts the value can change no more, so no order works. Every value is read (no two
   * puts are alike) and no read fits after any put but the last, so proving it means trying the
   * orders of the puts: the memo cache bounds that to (subset, last value) pairs, about 2^45.
   */
  private static List<Op> pathological() {
    H h = new H();
    for (int i = 0; i < 40; i++) {
      h.put(i, "k", "v" + i, 0, 1000);
    }
    for (int i = 0; i < 40; i++) {
      h.get(0, "k", 2000 + 2 * i, 2001 + 2 * i, "v" + i);
    }
    return h.ops();
  }

  @Test
  void pathologicalHistoryWithATinyBudgetAnswersUnknownQuickly() {
    long start = System.nanoTime();
    CheckResult r = LinearizabilityChecker.check(pathological(), Duration.ofMillis(100));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    System.out.printf("[lin budget] %s after %d ms%n", r.verdict(), tookMillis);
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(r.describe())
        .startsWith(
            "UNKNOWN: time budget of PT0.1S spent (key \"k\": the longest order found holds ")
        .contains(" of its 80 operations, up to operation ")
        .contains("; 0 of 1 keys checked without a violation");
    assertThat(tookMillis).as("well under the test timeout, not a benchmark").isLessThan(10_000);
  }

  @Test
  void budgetIsMeasuredOnTheClockPassedIn() {
    AtomicLong fakeNanos = new AtomicLong();
    CheckResult r =
        LinearizabilityChecker.check(
            pathological(),
            Duration.ofMillis(10),
            () -> fakeNanos.addAndGet(1_000_000)); // 1 ms per look
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(r.elapsed()).isBetween(Duration.ofMillis(11), Duration.ofMillis(15));
  }

  @Test
  void aViolationFoundBeforeTheBudgetRunsOutIsStillReported() {
    H h = new H();
    h.put(0, "a", "x", 0, 10);
    h.get(0, "a", 20, 30, null);
    List<Op> history = new java.util.ArrayList<>(h.ops());
    for (Op op : pathological()) { // a bigger key that would exhaust the budget
      history.add(
          new Op(
              op.id() + 100,
              op.client(),
              op.kind(),
              "b",
              op.value(),
              null,
              -1,
              op.invokeNanos(),
              op.completeNanos(),
              op.outcome(),
              op.readValue(),
              -1,
              -1,
              -1,
              false,
              -1));
    }
    CheckResult r = LinearizabilityChecker.check(history, Duration.ofMillis(100));
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.violation().key()).isEqualTo("a");
  }

  @Test
  void duplicateIdsAreRejected() {
    H h = new H();
    Op put = h.put(0, "k", "a", 0, 10);
    assertThatThrownBy(() -> LinearizabilityChecker.check(List.of(put, put), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("two operations have id 1");
  }

  @Test
  void inconsistentOperationsAreRejectedWhenBuilt() {
    Op get = Op.invoke(7, 0, OpKind.GET, "k", null, null, -1, 0);
    assertThatThrownBy(() -> get.completeWrite(5, true, 3))
        .hasMessage("op 7: completeWrite on a get");
    assertThatThrownBy(() -> Op.invoke(8, 0, OpKind.PUT, "k", null, null, -1, 0))
        .hasMessage("op 8: value is required for put and cas only");
    assertThatThrownBy(() -> Op.invoke(9, 0, OpKind.CAS, "k", "v", "a", 3, 0))
        .hasMessage("op 9: a cas compares on exactly one of expectValue and expectModRev");
    Op put = Op.invoke(10, 0, OpKind.PUT, "k", "v", null, -1, 50);
    assertThatThrownBy(() -> put.completeWrite(40, false, 2))
        .hasMessage("op 10: complete must not be before invoke");
  }
}

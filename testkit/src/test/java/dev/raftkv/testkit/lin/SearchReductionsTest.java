package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Histories that the plain search could only decide by trying about 2^30 orders or subsets, and
 * that the reductions of {@link KeySearch} decide at once. A broken reduction shows up as UNKNOWN
 * (the budget is small) or as a wrong verdict.
 */
class SearchReductionsTest {
  private static final Duration BUDGET = Duration.ofSeconds(3);

  private static Verdict verdict(H h) {
    CheckResult r = LinearizabilityChecker.check(h.ops(), BUDGET);
    return r.verdict();
  }

  /** Forty unknown puts nobody read, then a put whose version says five of them took effect. */
  private static H unreadUnknownPutsThenVersion(long version) {
    H h = new H();
    for (int i = 0; i < 40; i++) {
      h.putUnknown(i, "k", "u" + i, i);
    }
    h.put(50, "k", "a", 100, 110);
    h.get(50, "k", 200, 210, "a", -1, version, -1);
    return h;
  }

  @Test
  void unknownPutsOfUnreadValuesAreInterchangeable() {
    assertThat(verdict(unreadUnknownPutsThenVersion(6))).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(unreadUnknownPutsThenVersion(41))).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void aVersionNeedingMoreWritesThanThereWereIsFoundQuickly() {
    assertThat(verdict(unreadUnknownPutsThenVersion(43))).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void concurrentReadsDoNotMultiplyTheSearch() {
    H h = new H();
    h.put(0, "k", "a", 0, 10);
    for (int i = 0; i < 30; i++) {
      h.get(i + 1, "k", 20, 100, "a");
    }
    h.put(40, "k", "b", 20, 100);
    h.get(41, "k", 200, 210, "a"); // stale: b completed before this read began
    assertThat(verdict(h)).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void concurrentUnreadPutsInAnyOrderReachOneState() {
    H h = new H();
    for (int i = 0; i < 30; i++) {
      h.put(i, "k", "w" + i, 0, 100); // nobody reads these
    }
    h.put(40, "k", "x", 0, 100);
    h.get(41, "k", 200, 210, "y"); // y is written by nobody: checked before the search
    h.get(42, "k", 300, 310, "x");
    h.get(43, "k", 320, 330, "w3"); // observed, so not merged: x then w3 needs w3 last too
    CheckResult r = LinearizabilityChecker.check(h.ops(), BUDGET);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.violation().summary()).isEqualTo("a get read a value never written");

    H valid = new H();
    for (int i = 0; i < 30; i++) {
      valid.put(i, "k", "w" + i, 0, 100);
    }
    valid.put(40, "k", "x", 0, 100);
    valid.get(42, "k", 300, 310, "x");
    valid.get(43, "k", 320, 330, "w3"); // x, then w3 at the end: impossible (both before 300)
    assertThat(verdict(valid)).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void anUnknownWriteThatWasReadMustTakeEffectBeforeItsFirstReaderCompletes() {
    H h = new H();
    Op seen = h.putUnknown(0, "k", "u", 10);
    Op unseen = h.putUnknown(1, "k", "n", 10);
    Op twice = h.putUnknown(2, "k", "t", 10);
    h.put(3, "k", "t", 12, 20); // "t" has two writers: which one was read is not known
    h.get(4, "k", 30, 50, "u");
    h.get(5, "k", 20, 40, "u");
    h.get(6, "k", 30, 60, "t");
    Op late = h.putUnknown(7, "k", "l", 100);
    h.get(8, "k", 70, 80, "l"); // read before it was written: no linearization either way

    var due = KeySearch.dueTimes(h.ops());

    assertThat(due.get(seen.id())).isEqualTo(40L);
    assertThat(due.get(unseen.id())).isEqualTo(Op.NOT_RETURNED);
    assertThat(due.get(twice.id())).isEqualTo(Op.NOT_RETURNED);
    assertThat(due.get(late.id())).isEqualTo(100L);
    assertThat(verdict(h)).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }
}

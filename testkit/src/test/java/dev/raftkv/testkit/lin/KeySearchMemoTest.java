package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The memo's size: counted in bytes, and small per entry however long the history. */
class KeySearchMemoTest {

  /**
   * A write of unknown outcome that nothing ever reads, then {@code n} puts and gets one after the
   * other: the unknown write stays out of every linearized set, a hole at the start of each.
   */
  private static List<Op> longHistoryBehindAnUnobservedWrite(int n) {
    H h = new H();
    h.putUnknown(9, "k", "lost", 0);
    for (int i = 0; i < n; i++) {
      long t = 10 + 4L * i;
      h.put(0, "k", "v" + i, t, t + 1);
      h.get(1, "k", t + 2, t + 3, "v" + i);
    }
    return h.ops();
  }

  @Test
  void anUnobservedWriteKeepsEveryEntrySmall() {
    // 20,000 operations, each pushed once: about 100 bytes an entry. Storing the bits after the
    // first hole, as the memo once did, would take ~2.5 KB an entry (50 MB here), which is how a
    // 10-minute chaos run's check ran out of heap.
    KeySearch.Result r =
        KeySearch.search(
            longHistoryBehindAnUnobservedWrite(10_000), System::nanoTime, Long.MAX_VALUE, 4 << 20);
    assertThat(r.status()).isEqualTo(KeySearch.Status.LINEARIZABLE);
  }

  @Test
  void pastItsByteBudgetTheSearchGivesUpInsteadOfRunningOutOfHeap() {
    KeySearch.Result r =
        KeySearch.search(
            longHistoryBehindAnUnobservedWrite(10_000), System::nanoTime, Long.MAX_VALUE, 100_000);
    assertThat(r.status()).isEqualTo(KeySearch.Status.OUT_OF_MEMORY);
  }

  /**
   * A chaos run's shape: kill faults leave writes of unknown outcome that nobody reads, one every
   * 50 operations here, all pending to the end. The checker first assumes they failed.
   */
  @Test
  void manyUnobservedUnknownWritesAreAssumedFailedFirst() {
    H h = new H();
    for (int i = 0; i < 20_000; i++) {
      long t = 10 + 4L * i;
      if (i % 50 == 0) {
        h.putUnknown(9, "k", "lost-" + i, t);
      }
      h.put(0, "k", "v" + i, t, t + 1);
      h.get(1, "k", t + 2, t + 3, "v" + i);
    }
    assertThat(LinearizabilityChecker.withoutUnobservedUnknownWrites(h.ops()))
        .hasSize(h.ops().size() - 400);
    CheckResult r = LinearizabilityChecker.check(h.ops(), java.time.Duration.ofMinutes(1));
    assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void anUnknownWriteThatWasReadIsKept() {
    H h = new H();
    h.put(0, "k", "a", 0, 1);
    h.putUnknown(9, "k", "b", 2);
    h.get(1, "k", 10, 11, "b");
    assertThat(LinearizabilityChecker.withoutUnobservedUnknownWrites(h.ops())).hasSize(3);
    assertThat(LinearizabilityChecker.check(h.ops(), java.time.Duration.ofSeconds(10)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  /**
   * A write of unknown outcome that nobody read took effect all the same: a later get's version
   * counts it. Assuming it failed finds no order, so the check must not stop there (the write is
   * put back) and answers linearizable.
   */
  @Test
  void anUnreadUnknownWriteThatAVersionCountsStillCounts() {
    H h = new H();
    h.put(0, "k", "a", 0, 10, 2);
    h.putUnknown(9, "k", "lost", 20);
    h.put(1, "k", "b", 30, 40, 5);
    h.get(2, "k", 50, 60, "b", 5, 3, 5);
    assertThat(LinearizabilityChecker.withoutUnobservedUnknownWrites(h.ops())).hasSize(3);
    CheckResult r = LinearizabilityChecker.check(h.ops(), java.time.Duration.ofSeconds(10));
    assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);

    // Without the unknown write no order exists: the version would be 2.
    H without = new H();
    without.put(0, "k", "a", 0, 10, 2);
    without.put(1, "k", "b", 30, 40, 5);
    without.get(2, "k", 50, 60, "b", 5, 3, 5);
    assertThat(
            LinearizabilityChecker.check(without.ops(), java.time.Duration.ofSeconds(10)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  /** Two unread writes of unknown outcome both took effect: a get's version counts them both. */
  @Test
  void twoUnreadUnknownWritesThatAVersionCountsBothCount() {
    H h = new H();
    h.put(0, "k", "a", 0, 10, 2);
    h.putUnknown(8, "k", "lost-1", 12);
    h.putUnknown(9, "k", "lost-2", 14);
    h.putUnknown(7, "k", "never", 16);
    h.put(1, "k", "b", 30, 40, 6);
    h.get(2, "k", 50, 60, "b", 6, 4, 6);
    CheckResult r = LinearizabilityChecker.check(h.ops(), java.time.Duration.ofSeconds(10));
    assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);

    // Version 5 needs three writes between "a" and "b", and only two might have happened.
    H tooFew = new H();
    tooFew.put(0, "k", "a", 0, 10, 2);
    tooFew.putUnknown(8, "k", "lost-1", 12);
    tooFew.putUnknown(9, "k", "lost-2", 14);
    tooFew.put(1, "k", "b", 30, 40, 6);
    tooFew.get(2, "k", 50, 60, "b", 6, 5, 6);
    assertThat(
            LinearizabilityChecker.check(tooFew.ops(), java.time.Duration.ofSeconds(10)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }
}

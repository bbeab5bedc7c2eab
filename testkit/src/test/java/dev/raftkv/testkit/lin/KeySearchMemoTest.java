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
}

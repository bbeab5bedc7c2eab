package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A lookup that lands next to a big key must not copy it: a 1 MiB key once made every lookup of an
 * absent key just before it (a read at a past revision, a watcher's prev kv) copy the whole
 * neighbour out of RocksDB, ten times slower. Measured in bytes this thread allocates (no clock):
 * each lookup that copied the neighbour allocated more than 1 MiB.
 */
class NeighbourKeyTest extends StoreFixture {
  private static final int BIG = 1 << 20;
  private static final int LOOKUPS = 16;

  /** Far below one copy of the big key per lookup, far above what a lookup needs. */
  private static final long ALLOWED = LOOKUPS * (long) BIG / 4;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private long beforeBig;

  @BeforeEach
  void bigKeyAfterA() {
    assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
    THREADS.setThreadAllocatedMemoryEnabled(true);
    put("a0", "x"); // the big key comes next: every key in between is absent
    beforeBig = store.revision();
    byte[] big = new byte[BIG];
    java.util.Arrays.fill(big, (byte) 'b');
    ok(new Put(big, b("v"), 0, false, false, false));
  }

  private static long allocatedBy(Runnable lookup) {
    lookup.run(); // warm: classes loaded, code paths resolved
    long before = THREADS.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < LOOKUPS; i++) {
      lookup.run();
    }
    return THREADS.getCurrentThreadAllocatedBytes() - before;
  }

  @Test
  void aPastReadOfAnAbsentKeyDoesNotCopyTheNextKey() {
    long rev = store.revision();
    long bytes =
        allocatedBy(
            () -> assertThat(store.range(Range.get(b("a1")).atRevision(rev)).kvs()).isEmpty());
    assertThat(bytes).isLessThan(ALLOWED);
  }

  @Test
  void aPastRangeEndingAtTheBigKeyDoesNotCopyIt() {
    long rev = store.revision();
    Range r = Range.range(b("a0"), b("a1")).atRevision(rev);
    long bytes = allocatedBy(() -> assertThat(keys(store.range(r))).containsExactly("a0"));
    assertThat(bytes).isLessThan(ALLOWED);
  }

  @Test
  void aPrevKvOfANewKeyDoesNotCopyTheNextKey() {
    put("a1", "1"); // absent the revision before: its prev kv lookup lands on the big key
    long created = store.revision();
    long bytes =
        allocatedBy(
            () -> {
              List<Event> events = store.changes(created, 10, true).events();
              assertThat(events).hasSize(1);
              assertThat(events.get(0).prevKv()).isNull();
            });
    assertThat(bytes).isLessThan(ALLOWED);
  }

  @Test
  void theBigKeyItselfIsStillRead() {
    Range.Result r = store.range(Range.range(b("a"), Bytes.FROM_KEY).atRevision(store.revision()));
    assertThat(r.kvs()).hasSize(2);
    assertThat(r.kvs().get(1).key()).hasSize(BIG);
    assertThat(store.range(Range.get(b("a0")).atRevision(beforeBig)).kvs()).hasSize(1);
  }
}

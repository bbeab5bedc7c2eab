package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression for bug 1 of the membership soak (docs/chaos.md): {@link KvStateMachine#restore}
 * closed the RocksDB instance while other threads (Status, the attribute publisher, the watch hub,
 * the lease manager, serializable ranges) still read it through {@link KvStateMachine#store()}, and
 * the JVM aborted natively ({@code pthread lock: Invalid argument}). Readers must see either the
 * whole state before a restore or the whole state after it, and after {@link KvStateMachine#close}
 * a clear exception, never a closed RocksDB handle.
 */
class RestoreUnderReadsTest {
  private static final int KEYS = 50;
  private static final int READERS = 4;
  private static final int RESTORES = 40;

  @TempDir Path tmp;

  /** A snapshot of a store whose {@value #KEYS} keys all hold {@code value}, with two members. */
  private byte[] snapshotOf(String name, String value, int extraRevisions) {
    try (KvStateMachine sm = KvStateMachine.open(tmp.resolve(name), KvOptions.DEFAULTS)) {
      List<Entry> entries = new ArrayList<>();
      long index = 0;
      for (long id : new long[] {1, 2}) {
        byte[] ctx = Members.encodeContext(List.of("http://m" + id + ":1"));
        entries.add(
            new Entry(
                1,
                ++index,
                EntryType.CONF_CHANGE,
                new ConfChange(ConfChange.Type.ADD_VOTER, id, ctx).encode()));
      }
      for (int r = 0; r <= extraRevisions; r++) {
        for (int k = 0; k < KEYS; k++) {
          entries.add(
              new Entry(
                  1,
                  ++index,
                  EntryType.NORMAL,
                  KvCommands.encode(Put.of(String.format("k%03d", k), value))));
        }
      }
      entries.add(
          new Entry(1, ++index, EntryType.NORMAL, KvCommands.encode(new LeaseGrantRequest(7, 60))));
      sm.apply(entries);
      return sm.snapshot();
    }
  }

  private static Snapshot snapshot(byte[] data) {
    return new Snapshot(new SnapshotMetadata(1, 1, new ConfState(Set.of(1L, 2L), Set.of())), data);
  }

  /** Every read a server thread makes, each checked against the two states a restore can give. */
  private static void readEverything(KvStore store) {
    Range.Result r = store.range(Range.prefix(Bytes.of("k")));
    assertThat(r.kvs()).hasSize(KEYS);
    String v = new String(r.kvs().get(0).value(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(v).isIn("a", "b");
    assertThat(r.kvs()).allSatisfy(kv -> assertThat(kv.value()).isEqualTo(r.kvs().get(0).value()));
    assertThat(store.members()).hasSize(2);
    assertThat(store.member(2)).isNotNull();
    assertThat(store.removedMembers()).isEmpty();
    assertThat(store.leases()).hasSize(1);
    assertThat(store.lease(7)).isNotNull();
    assertThat(store.keysWithLease(7)).isEmpty();
    assertThat(store.changes(1, 20, true).events()).isNotEmpty();
    store.hashKV(0);
    store.hash();
    assertThat(store.dbSize()).isPositive();
    assertThat(store.dbSizeInUse()).isNotNegative();
    assertThat(store.revision()).isPositive();
    store.compactedRevision();
    store.appliedIndex();
  }

  @Test
  void readersNeverTouchAClosedDbWhileSnapshotsAreRestoredOrTheMachineCloses() throws Exception {
    Snapshot a = snapshot(snapshotOf("a", "a", 0));
    Snapshot b = snapshot(snapshotOf("b", "b", 3));
    KvStateMachine sm = KvStateMachine.open(tmp.resolve("db"), KvOptions.DEFAULTS);
    sm.restore(a);

    AtomicBoolean closing = new AtomicBoolean();
    AtomicLong reads = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(READERS);
    List<Future<?>> readers = new ArrayList<>();
    try {
      for (int t = 0; t < READERS; t++) {
        boolean keepsReference = t % 2 == 0; // as SnapshotStream and old callers did
        readers.add(
            pool.submit(
                () -> {
                  KvStore kept = sm.store();
                  while (true) {
                    try {
                      readEverything(keepsReference ? kept : sm.store());
                      reads.incrementAndGet();
                    } catch (IllegalStateException closed) {
                      if (!closing.get()) {
                        failures.add(closed);
                      }
                      return;
                    } catch (Throwable e) {
                      failures.add(e);
                      return;
                    }
                  }
                }));
      }
      for (int i = 0; i < RESTORES && failures.isEmpty(); i++) {
        sm.restore(i % 2 == 0 ? b : a);
      }
      // Readers must get going before the machine closes under them.
      while (reads.get() < READERS && failures.isEmpty()) {
        Thread.onSpinWait();
      }
      closing.set(true);
      sm.close();
      for (Future<?> f : readers) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      closing.set(true);
      sm.close();
      pool.shutdownNow();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(failures).isEmpty();
    assertThat(reads.get()).isPositive();
    assertThatThrownBy(() -> sm.store().members())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}

package dev.raftkv.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What survives a crash of the simulated durable log, and what does not. */
class SimLogStoreTest {
  private static final ConfState CONF = ConfState.ofVoters(Set.of(1L, 2L, 3L));

  private final List<String> heard = new ArrayList<>();
  private final MemoryStorage disk = new MemoryStorage(CONF);

  private final SimLogStore.Listener listener =
      new SimLogStore.Listener() {
        @Override
        public void entriesDurable(MemoryStorage durable, List<Entry> written) {
          written.forEach(e -> heard.add("durable " + e.index()));
        }

        @Override
        public void hardStateDurable(HardState hardState) {
          heard.add("durable " + hardState);
        }

        @Override
        public void entriesBuffered(List<Entry> entries) {}

        @Override
        public void snapshotDurable(Snapshot snap, boolean fromLeader) {
          heard.add("snapshot " + snap.metadata().index() + (fromLeader ? " from leader" : ""));
        }

        @Override
        public void crashedInSync() {
          heard.add("crashed");
        }
      };

  private SimLogStore open() {
    return new SimLogStore(disk, listener, () -> -1);
  }

  private static Entry entry(long index, long term) {
    return new Entry(term, index, EntryType.NORMAL, ("e" + index).getBytes(StandardCharsets.UTF_8));
  }

  private static Snapshot snapshot(long index, long term) {
    return new Snapshot(new SnapshotMetadata(index, term, CONF), new byte[] {1});
  }

  @Test
  void appendsAndHardStatesAreVisibleAtOnceButDurableOnlyAfterASync() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1), entry(2, 1)));
    store.setHardState(new HardState(1, 1, 0));
    assertThat(store.lastIndex()).isEqualTo(2);
    assertThat(store.initialState().hardState()).isEqualTo(new HardState(1, 1, 0));

    MemoryStorage afterCrash = SimLogStore.recover(disk);
    assertThat(afterCrash.lastIndex()).isZero();
    assertThat(afterCrash.hardState()).isEqualTo(HardState.EMPTY);

    store.syncNow();
    afterCrash = SimLogStore.recover(disk);
    assertThat(afterCrash.lastIndex()).isEqualTo(2);
    assertThat(afterCrash.hardState()).isEqualTo(new HardState(1, 1, 0));
    assertThat(heard)
        .containsExactly("durable 1", "durable 2", "durable " + new HardState(1, 1, 0));
  }

  @Test
  void onlyWhatWasSyncedSurvivesACrash() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1)));
    store.syncNow();
    store.append(List.of(entry(2, 1)));
    store.setHardState(new HardState(1, 0, 1));
    // crash: the new incarnation opens what the disk has
    SimLogStore next = new SimLogStore(SimLogStore.recover(disk), listener, () -> -1);
    assertThat(next.lastIndex()).isEqualTo(1);
    assertThat(next.initialState().hardState()).isEqualTo(HardState.EMPTY);
  }

  @Test
  void aCrashInTheMiddleOfASyncKeepsAPrefixOfTheRecordsInOrder() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1), entry(2, 1), entry(3, 1)));
    store.setHardState(new HardState(1, 2, 0));
    store.tearNextSync(2);
    store.syncNow();

    assertThat(store.dead()).isTrue();
    assertThat(heard).containsExactly("durable 1", "durable 2", "crashed");
    MemoryStorage afterCrash = SimLogStore.recover(disk);
    assertThat(afterCrash.lastIndex()).isEqualTo(2);
    assertThat(afterCrash.hardState())
        .as("the vote came after the entries")
        .isEqualTo(HardState.EMPTY);
  }

  @Test
  void aDeadProcessWritesNothingMore() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1)));
    store.tearNextSync(0);
    store.syncNow();
    store.append(List.of(entry(2, 1)));
    store.setHardState(new HardState(5, 0, 0));
    store.syncNow();
    store.saveSnapshot(snapshot(1, 1));

    assertThat(disk.lastIndex()).isZero();
    assertThat(disk.hardState()).isEqualTo(HardState.EMPTY);
    assertThat(disk.snapshot().isEmpty()).isTrue();
  }

  @Test
  void aRandomPowerFailureIsATornSyncToo() {
    SimLogStore store = new SimLogStore(disk, listener, () -> 1);
    store.append(List.of(entry(1, 1), entry(2, 1)));
    store.syncNow();
    assertThat(store.dead()).isTrue();
    assertThat(SimLogStore.recover(disk).lastIndex()).isEqualTo(1);
  }

  @Test
  void aCancelledTearLeavesTheSyncWhole() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1)));
    store.tearNextSync(0);
    store.cancelTear();
    store.syncNow();
    assertThat(store.dead()).isFalse();
    assertThat(disk.lastIndex()).isEqualTo(1);
  }

  @Test
  void aSnapshotFromTheLeaderIsDurableOnReturnAndSyncsWhatWasBufferedFirst() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1)));
    store.setHardState(new HardState(2, 3, 1));
    store.applySnapshot(snapshot(10, 2));

    MemoryStorage afterCrash = SimLogStore.recover(disk);
    assertThat(afterCrash.snapshot().metadata().index()).isEqualTo(10);
    assertThat(afterCrash.firstIndex()).isEqualTo(11);
    assertThat(afterCrash.hardState())
        .as("buffered term and vote kept, commit raised to the snapshot")
        .isEqualTo(new HardState(2, 3, 10));
    assertThat(afterCrash.initialState().conf()).isEqualTo(CONF);
    assertThat(heard).contains("snapshot 10 from leader");
  }

  @Test
  void aWrittenSnapshotIsFoundAfterACrashEvenIfNeverInstalled() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1), entry(2, 1), entry(3, 1)));
    store.setHardState(new HardState(1, 0, 3));
    store.syncNow();
    store.writeSnapshot(snapshot(2, 1));
    assertThat(store.snapshot().isEmpty()).as("not installed yet").isTrue();

    MemoryStorage afterCrash = SimLogStore.recover(disk);
    assertThat(afterCrash.snapshot().metadata().index()).isEqualTo(2);
    assertThat(afterCrash.firstIndex()).isEqualTo(3);
    assertThat(afterCrash.lastIndex()).as("the entries after the snapshot").isEqualTo(3);
  }

  @Test
  void compactionOnDiskNeverPassesTheInstalledSnapshot() {
    SimLogStore store = open();
    for (long i = 1; i <= 5; i++) {
      store.append(List.of(entry(i, 1)));
    }
    store.syncNow();
    store.saveSnapshot(snapshot(3, 1));
    store.compact(4);
    assertThat(store.firstIndex()).isEqualTo(5);
    assertThat(disk.firstIndex()).isEqualTo(4);
    MemoryStorage afterCrash = SimLogStore.recover(disk);
    assertThat(afterCrash.firstIndex()).isEqualTo(4);
    assertThat(afterCrash.lastIndex()).isEqualTo(5);
  }

  @Test
  void recoveryRestartsTheLogAtASnapshotItDoesNotHold() {
    SimLogStore store = open();
    store.append(List.of(entry(1, 1), entry(2, 1)));
    store.syncNow();
    store.writeSnapshot(snapshot(2, 3)); // a term the log does not have at index 2
    MemoryStorage afterCrash = SimLogStore.recover(disk);
    assertThat(afterCrash.firstIndex()).isEqualTo(3);
    assertThat(afterCrash.lastIndex()).isEqualTo(2);
    assertThat(afterCrash.term(2)).isEqualTo(3);
  }
}

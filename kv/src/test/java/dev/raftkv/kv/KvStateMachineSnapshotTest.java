package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.runtime.SnapshotSource;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoints a {@link KvStateMachine} keeps for its snapshot references, and how long. */
class KvStateMachineSnapshotTest {
  @TempDir Path dir;

  private static Entry put(long index, String key) {
    byte[] cmd = KvCommands.encode(PutRequest.of(key, "v" + index));
    return new Entry(1, index, EntryType.NORMAL, cmd);
  }

  private static Snapshot snapshot(long index, byte[] data) {
    return new Snapshot(new SnapshotMetadata(index, 1, ConfState.EMPTY), data);
  }

  @Test
  void aCheckpointIsKeptUntilTheRuntimesStoreHoldsANewerSnapshot() {
    try (KvStateMachine m = KvStateMachine.open(dir.resolve("db"), KvOptions.DEFAULTS)) {
      m.apply(List.of(put(1, "a")));
      Snapshot first = snapshot(1, m.captureSnapshot().get());
      assertThat(m.isSnapshotReference(first.data())).isTrue();
      m.apply(List.of(put(2, "b")));
      m.captureSnapshot().get();
      m.apply(List.of(put(3, "c")));
      Snapshot third = snapshot(3, m.captureSnapshot().get());

      // Until the runtime's store installs a newer snapshot, it may still need the first one's
      // bytes for a follower: taking newer checkpoints deletes nothing.
      try (SnapshotSource source = m.snapshotSource(first)) {
        assertThat(source.size()).isGreaterThan(1_000);
      }

      m.snapshotInstalled(3);
      assertThatThrownBy(() -> m.snapshotSource(first))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("which is gone");
      try (SnapshotSource source = m.snapshotSource(third)) {
        assertThat(source.size()).isGreaterThan(1_000);
      }
    }
  }

  @Test
  void aFollowerIsSentTheCheckpointsFilesReadInChunksEvenAfterTheyAreDeleted() {
    try (KvStateMachine leader = KvStateMachine.open(dir.resolve("a"), KvOptions.DEFAULTS);
        KvStateMachine follower = KvStateMachine.open(dir.resolve("b"), KvOptions.DEFAULTS)) {
      for (int i = 1; i <= 300; i++) {
        leader.apply(List.of(put(i, "value-" + i)));
      }
      Snapshot snap = snapshot(300, leader.captureSnapshot().get());
      byte[] sent;
      try (SnapshotSource source = leader.snapshotSource(snap)) {
        leader.apply(List.of(put(301, "later")));
        snapshot(301, leader.captureSnapshot().get());
        leader.snapshotInstalled(301); // deletes checkpoint 300's files; the source has them open
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (long off = 0; off < source.size(); off += 777) {
          out.writeBytes(source.read(off, (int) Math.min(777, source.size() - off)));
        }
        sent = out.toByteArray();
        assertThat(sent).hasSize((int) source.size());
        assertThatThrownBy(() -> source.read(source.size() - 1, 2))
            .isInstanceOf(IndexOutOfBoundsException.class);
      }
      follower.restore(new Snapshot(snap.metadata(), sent));
      assertThat(follower.appliedIndex()).isEqualTo(300);
      assertThat(follower.store().revision()).isEqualTo(leader.store().revision() - 1);
    }
  }
}

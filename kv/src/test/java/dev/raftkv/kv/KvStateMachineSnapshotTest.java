package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
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
      assertThat(m.snapshotBytes(first)).hasSizeGreaterThan(1_000);

      m.snapshotInstalled(3);
      assertThatThrownBy(() -> m.snapshotBytes(first))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("which is gone");
      assertThat(m.snapshotBytes(third)).hasSizeGreaterThan(1_000);
    }
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.SnapshotSink;
import dev.raftkv.runtime.SnapshotSource;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoints a {@link KvStateMachine} keeps for its snapshot references, and how long. */
class KvStateMachineSnapshotTest {
  @TempDir Path dir;

  private static Entry put(long index, String key) {
    byte[] cmd = KvCommands.encode(Put.of(key, "v" + index));
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
      var unused = m.captureSnapshot().get(); // a second capture, not looked at
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

  @Test
  void aFollowerUnpacksTheChunksIntoACheckpointOfItsOwnAsTheyArrive() throws Exception {
    try (KvStateMachine leader = KvStateMachine.open(dir.resolve("a/db"), KvOptions.DEFAULTS);
        KvStateMachine follower = KvStateMachine.open(dir.resolve("b/db"), KvOptions.DEFAULTS)) {
      for (int i = 1; i <= 300; i++) {
        leader.apply(List.of(put(i, "value-" + i)));
      }
      Snapshot snap = snapshot(300, leader.captureSnapshot().get());
      SnapshotSink sink = follower.snapshotSink(snap.metadata());
      try (SnapshotSource source = leader.snapshotSource(snap)) {
        for (long off = 0; off < source.size(); off += 1001) { // chunks that split headers too
          sink.write(source.read(off, (int) Math.min(1001, source.size() - off)));
        }
      }
      byte[] data = sink.finish();
      assertThat(follower.isSnapshotReference(data)).isTrue();
      assertThat(receiving(dir.resolve("b"))).as("no staging directory left").isEmpty();
      follower.restore(new Snapshot(snap.metadata(), data));
      assertThat(follower.appliedIndex()).isEqualTo(300);
      assertThat(follower.store().revision()).isEqualTo(leader.store().revision());
      long rev = leader.store().revision();
      assertThat(follower.store().hashKV(rev)).isEqualTo(leader.store().hashKV(rev));
      // It can send it on, as its own.
      try (SnapshotSource again = follower.snapshotSource(new Snapshot(snap.metadata(), data))) {
        assertThat(again.size()).isGreaterThan(1_000);
      }
    }
  }

  @Test
  void aSnapshotThatEndsInsideAFileIsRefusedAndLeavesNothing() throws Exception {
    try (KvStateMachine leader = KvStateMachine.open(dir.resolve("a/db"), KvOptions.DEFAULTS);
        KvStateMachine follower = KvStateMachine.open(dir.resolve("b/db"), KvOptions.DEFAULTS)) {
      leader.apply(List.of(put(1, "a")));
      Snapshot snap = snapshot(1, leader.captureSnapshot().get());
      SnapshotSink sink = follower.snapshotSink(snap.metadata());
      try (SnapshotSource source = leader.snapshotSource(snap)) {
        sink.write(source.read(0, (int) source.size() - 1));
      }
      assertThatThrownBy(sink::finish).hasMessageContaining("ends inside");
      assertThat(receiving(dir.resolve("b"))).isEmpty();
      assertThat(java.nio.file.Files.exists(dir.resolve("b/db.snap-0000000000000001"))).isFalse();

      SnapshotSink aborted = follower.snapshotSink(snap.metadata());
      aborted.write(new byte[] {0, 3, 'a', 'b'});
      aborted.abort();
      assertThat(receiving(dir.resolve("b"))).isEmpty();

      SnapshotSink bad = follower.snapshotSink(snap.metadata());
      assertThatThrownBy(() -> bad.write(new byte[] {0, 2, '.', '.', 0, 0, 0, 1}))
          .hasMessageContaining("bad file name");
      bad.abort();
    }
  }

  private static List<java.nio.file.Path> receiving(java.nio.file.Path parent) throws Exception {
    try (var s = java.nio.file.Files.list(parent)) {
      return s.filter(p -> p.getFileName().toString().contains(".receive-")).toList();
    }
  }

  private static Entry command(long index, Op op) {
    return new Entry(1, index, EntryType.NORMAL, KvCommands.encode(op));
  }

  @Test
  void aFollowerRestoredFromASnapshotHasTheAuthState() {
    try (KvStateMachine leader = KvStateMachine.open(dir.resolve("a"), KvOptions.DEFAULTS);
        KvStateMachine follower = KvStateMachine.open(dir.resolve("b"), KvOptions.DEFAULTS)) {
      leader.apply(
          List.of(
              command(1, new AuthRequest.UserAdd("root", "$2a$04$h", false)),
              command(2, new AuthRequest.UserGrantRole("root", "root")),
              command(3, new AuthRequest.RoleAdd("r")),
              command(
                  4,
                  new AuthRequest.RoleGrantPermission(
                      "r", new Permission(Permission.Type.READ, Bytes.of("k"), null))),
              command(5, new AuthRequest.Enable())));
      Snapshot snap = snapshot(5, leader.captureSnapshot().get());
      byte[] sent;
      try (SnapshotSource source = leader.snapshotSource(snap)) {
        sent = source.read(0, (int) source.size());
      }
      follower.restore(new Snapshot(snap.metadata(), sent));
      assertThat(follower.store().auth()).isEqualTo(leader.store().auth());
      assertThat(follower.store().auth().enabled()).isTrue();
      assertThat(follower.store().auth().revision()).isEqualTo(5);
    }
  }
}

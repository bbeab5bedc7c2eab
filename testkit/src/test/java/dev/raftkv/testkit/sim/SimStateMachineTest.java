package dev.raftkv.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The lagging durable copy of the simulated state machine, and its exactly-once checks. */
class SimStateMachineTest {
  private final SimStateMachine.Disk disk = new SimStateMachine.Disk();
  private final List<Long> applied = new ArrayList<>();

  private final SimStateMachine.Listener listener =
      new SimStateMachine.Listener() {
        @Override
        public void applied(Entry e) {
          applied.add(e.index());
        }

        @Override
        public void restored(long index, List<SimStateMachine.Write> writes) {}
      };

  private SimStateMachine machine(double flushChance) {
    return new SimStateMachine(1, disk, flushChance, false, new Random(1), listener);
  }

  private static Entry put(long index, String value) {
    return new Entry(1, index, EntryType.NORMAL, value.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theResultOfAWriteIsItsValue() {
    List<Object> results =
        new ArrayList<>(
            machine(0).apply(List.of(put(1, "a"), new Entry(1, 2, EntryType.NORMAL, null))));
    assertThat(results).containsExactly("a", null);
  }

  @Test
  void aCrashKeepsOnlyTheDurableCopyWhichLags() {
    SimStateMachine m = machine(0);
    m.apply(List.of(put(1, "a"), put(2, "b")));
    assertThat(m.appliedIndex()).isEqualTo(2);
    assertThat(disk.applied()).as("never flushed").isZero();

    SimStateMachine next = machine(0);
    assertThat(next.appliedIndex()).isZero();
    assertThat(next.writes()).isEmpty();
  }

  @Test
  void aSnapshotFlushesTheDurableCopy() {
    SimStateMachine m = machine(0);
    m.apply(List.of(put(1, "a"), put(2, "b")));
    byte[] data = m.captureSnapshot().get();
    m.apply(List.of(put(3, "c")));

    SimStateMachine next = machine(0);
    assertThat(next.appliedIndex()).isEqualTo(2);
    assertThat(next.writes())
        .containsExactly(new SimStateMachine.Write(1, "a"), new SimStateMachine.Write(2, "b"));
    SimStateMachine other =
        new SimStateMachine(2, new SimStateMachine.Disk(), 0, false, new Random(1), listener);
    other.restore(new Snapshot(new SnapshotMetadata(2, 1, ConfState.EMPTY), data));
    assertThat(other.writes()).isEqualTo(next.writes());
  }

  @Test
  void aFlushAfterEveryBatchKeepsEverything() {
    SimStateMachine m = machine(1.0);
    m.apply(List.of(put(1, "a")));
    assertThat(machine(0).appliedIndex()).isEqualTo(1);
  }

  @Test
  void anEntryAtOrBelowTheAppliedIndexIsNeverAppliedAgain() {
    SimStateMachine m = machine(0);
    m.apply(List.of(put(1, "a"), put(2, "b")));
    assertThatThrownBy(() -> m.apply(List.of(put(2, "b"))))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("Exactly-once apply")
        .hasMessageContaining("entry 2 again");
  }

  @Test
  void entriesComeWithoutGaps() {
    SimStateMachine m = machine(0);
    m.apply(List.of(put(1, "a")));
    assertThatThrownBy(() -> m.apply(List.of(put(3, "c"))))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("Apply in log order");
  }

  @Test
  void inReferenceModeASnapshotNamesACheckpointKeptUntilTheStoreHoldsANewerOne() {
    SimStateMachine m = new SimStateMachine(1, disk, 0, true, new Random(1), listener);
    m.apply(List.of(put(1, "a")));
    byte[] first = m.captureSnapshot().get();
    assertThat(m.isSnapshotReference(first)).isTrue();
    assertThat(first).hasSize(16);
    Snapshot snap1 = new Snapshot(new SnapshotMetadata(1, 1, ConfState.EMPTY), first);

    SimStateMachine other =
        new SimStateMachine(2, new SimStateMachine.Disk(), 0, false, new Random(1), listener);
    other.restore(new Snapshot(snap1.metadata(), bytes(m, snap1)));
    assertThat(other.writes()).containsExactly(new SimStateMachine.Write(1, "a"));

    m.apply(List.of(put(2, "b")));
    m.captureSnapshot();
    m.apply(List.of(put(3, "c")));
    m.captureSnapshot();
    // Taking newer ones deletes nothing: the runtime's store may still name checkpoint 1.
    assertThat(bytes(m, snap1)).isEqualTo(bytes(m, snap1));
    m.snapshotInstalled(2);
    assertThatThrownBy(() -> bytes(m, snap1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("checkpoint 1, which is gone");

    // A restart behind its own newest checkpoint puts it back.
    m.apply(List.of(put(4, "d")));
    SimStateMachine next = new SimStateMachine(1, disk, 0, true, new Random(1), listener);
    byte[] ref3 = java.nio.ByteBuffer.allocate(16).put(first, 0, 8).putLong(3).array();
    next.restore(new Snapshot(new SnapshotMetadata(3, 1, ConfState.EMPTY), ref3));
    assertThat(next.appliedIndex()).isEqualTo(3);
    assertThat(next.writes())
        .extracting(SimStateMachine.Write::value)
        .containsExactly("a", "b", "c");
  }

  @Test
  void aReplayAfterARestartStartsAboveTheDurableIndex() {
    SimStateMachine m = machine(0);
    m.apply(List.of(put(1, "a")));
    m.snapshot();
    m.apply(List.of(put(2, "b")));
    SimStateMachine next = machine(0);
    next.apply(List.of(put(2, "b"), put(3, "c")));
    assertThat(next.writes())
        .extracting(SimStateMachine.Write::value)
        .containsExactly("a", "b", "c");
    assertThat(applied).containsExactly(1L, 2L, 2L, 3L);
  }

  private static byte[] bytes(SimStateMachine m, Snapshot snap) {
    try (dev.raftkv.runtime.SnapshotSource source = m.snapshotSource(snap)) {
      return source.read(0, (int) source.size());
    }
  }
}

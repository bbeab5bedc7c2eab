package dev.raftkv.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Snapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * When a {@link NodeDriver} asks its state machine to get ready for a snapshot, and to take one.
 */
class NodeDriverSnapshotTest {

  /** Records prepare and capture calls with the applied index at each. */
  private static final class RecordingMachine implements StateMachine {
    final List<String> calls = new ArrayList<>();
    long applied;

    @Override
    public List<?> apply(List<Entry> entries) {
      applied = entries.get(entries.size() - 1).index();
      return Collections.nCopies(entries.size(), null);
    }

    @Override
    public long appliedIndex() {
      return applied;
    }

    @Override
    public byte[] snapshot() {
      return new byte[0];
    }

    @Override
    public void prepareSnapshot() {
      calls.add("prepare@" + applied);
    }

    @Override
    public Supplier<byte[]> captureSnapshot() {
      calls.add("capture@" + applied);
      return () -> new byte[0];
    }

    @Override
    public void restore(Snapshot snapshot) {
      applied = snapshot.metadata().index();
    }
  }

  @Test
  void theMachineIsToldOnceATenthOfTheIntervalAheadOfEachSnapshot() throws Exception {
    RecordingMachine machine = new RecordingMachine();
    NodeDriver driver =
        new NodeDriver(
            RaftConfig.defaults(1),
            MemoryStorage.bootstrap(Set.of(1L)),
            machine,
            m -> {},
            Runnable::run,
            Runnable::run,
            50,
            new Random(1));
    for (int i = 0; i < 100 && driver.status().role() != Role.LEADER; i++) {
      driver.tick();
      while (driver.hasPending()) {
        driver.runPending(0);
      }
    }
    assertThat(driver.status().role()).isEqualTo(Role.LEADER);
    long start = driver.appliedIndex(); // the leader's no-op
    // One entry per loop turn, so each applied index is seen.
    while (driver.appliedIndex() < 120) {
      driver.propose(new byte[] {1});
      while (driver.hasPending()) {
        driver.runPending(0);
      }
    }
    assertThat(start).isLessThan(5);
    // A tenth of 50 ahead: prepared at 45, taken at 50; again at 95 and 100.
    assertThat(machine.calls)
        .containsExactly("prepare@45", "capture@50", "prepare@95", "capture@100");
  }
}

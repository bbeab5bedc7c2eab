package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RaftNodeRestartTest {

  /**
   * Regression: a member whose state machine persisted itself (applied index past the founding
   * membership entries) restarted with no voters and never campaigned, because those entries were
   * never re-applied (found by RaftkvServerIT's whole-cluster restart).
   */
  @Test
  void membershipChangesTheStateMachineAlreadyAppliedAreInForceAtStart() {
    MemoryStorage storage = MemoryStorage.bootstrap(Set.of(1L, 2L, 3L));
    storage.append(
        List.of(
            new Entry(
                2,
                4,
                EntryType.CONF_CHANGE,
                new ConfChange(ConfChange.Type.ADD_LEARNER, 4).encode()),
            Entry.normal(2, 5, new byte[] {1})));
    storage.setHardState(new HardState(2, 1, 5));
    RaftNode node = new RaftNode(RaftConfig.defaults(1), storage, new Random(1), 5);
    assertThat(node.conf().voters()).containsExactlyInAnyOrder(1L, 2L, 3L);
    assertThat(node.conf().learners()).containsExactly(4L);
    assertThat(node.status().applied()).isEqualTo(5);
    assertThat(node.hasReady()).as("nothing left to apply").isFalse();
  }

  @Test
  void anAppliedIndexAheadOfTheRecordedCommitRaisesIt() {
    MemoryStorage storage = MemoryStorage.bootstrap(Set.of(1L));
    storage.append(List.of(Entry.normal(1, 2, new byte[] {1})));
    // The commit of index 2 was never synced, but the state machine applied it.
    RaftNode node = new RaftNode(RaftConfig.defaults(1), storage, new Random(1), 2);
    assertThat(node.commitIndex()).isEqualTo(2);
    assertThat(node.status().applied()).isEqualTo(2);
  }
}

package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.Member;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.ProgressState;
import dev.raftkv.raft.ProgressStatus;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Status;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** etcd 3.4's strict reconfiguration checks, case by case as etcd's own cluster tests have them. */
class ReconfigChecksTest {

  private static Member started(long id) {
    return new Member(id, "n" + id, List.of("http://h:" + id), List.of("http://c:" + id), false);
  }

  private static Member unstarted(long id) {
    return new Member(id, "", List.of("http://h:" + id), List.of(), false);
  }

  private static Member learner(long id) {
    return new Member(id, "", List.of("http://h:" + id), List.of(), true);
  }

  @Test
  void addingAVoterNeedsAQuorumOfStartedVotersAfterwards() {
    assertThat(ReconfigChecks.readyToAddVoter(List.of(started(1)))).isTrue();
    // One started of two: allowed only as the second member of a one-member cluster.
    assertThat(ReconfigChecks.readyToAddVoter(List.of(started(1), unstarted(2)))).isFalse();
    assertThat(ReconfigChecks.readyToAddVoter(List.of(started(1), started(2), started(3))))
        .isTrue();
    assertThat(
            ReconfigChecks.readyToAddVoter(
                List.of(started(1), started(2), started(3), unstarted(4))))
        .isTrue(); // 3 of 5
    assertThat(
            ReconfigChecks.readyToAddVoter(
                List.of(started(1), started(2), started(3), unstarted(4), unstarted(5))))
        .isFalse(); // 3 of 6
    // Learners do not count.
    assertThat(ReconfigChecks.readyToAddVoter(List.of(started(1), learner(2)))).isTrue();
  }

  @Test
  void removingAVoterNeedsAQuorumOfStartedVotersAmongTheRest() {
    List<Member> m = List.of(started(1), started(2), unstarted(3));
    assertThat(ReconfigChecks.readyToRemoveVoter(m, 3)).isTrue();
    assertThat(ReconfigChecks.readyToRemoveVoter(m, 1)).isFalse(); // 1 started of {2, 3}
  }

  @Test
  void promotingCountsTheLearnerAsStarted() {
    assertThat(ReconfigChecks.readyToPromote(List.of(started(1), learner(2)))).isTrue();
    assertThat(
            ReconfigChecks.readyToPromote(
                List.of(started(1), unstarted(2), unstarted(3), learner(4))))
        .isFalse(); // 2 of 4
  }

  @Test
  void oneLearnerAtATime() {
    assertThat(ReconfigChecks.roomForLearner(List.of(started(1)))).isTrue();
    assertThat(ReconfigChecks.roomForLearner(List.of(started(1), learner(2)))).isFalse();
  }

  private static ProgressStatus pr(long match, boolean active, boolean learner) {
    return new ProgressStatus(match, match + 1, ProgressState.REPLICATE, 0, active, learner);
  }

  private static Status leaderStatus(Map<Long, ProgressStatus> progress) {
    return new Status(
        1,
        Role.LEADER,
        2,
        1,
        1,
        100,
        100,
        100,
        new ConfState(Set.of(1L, 2L, 3L), Set.of()),
        progress,
        0);
  }

  @Test
  void aLearnerIsReadyAtNinetyPercentOfTheLeadersLog() {
    Status s =
        leaderStatus(
            Map.of(1L, pr(100, true, false), 4L, pr(90, true, true), 5L, pr(89, true, true)));
    assertThat(ReconfigChecks.learnerReady(s, 4)).isTrue();
    assertThat(ReconfigChecks.learnerReady(s, 5)).isFalse();
    assertThat(ReconfigChecks.learnerReady(s, 6)).isFalse(); // not tracked
  }

  @Test
  void healthFollowsTheLeadersViewOfItsVoters() {
    Status allUp =
        leaderStatus(
            Map.of(1L, pr(100, true, false), 2L, pr(100, true, false), 3L, pr(100, true, false)));
    Status oneDown =
        leaderStatus(
            Map.of(1L, pr(100, true, false), 2L, pr(100, true, false), 3L, pr(0, false, false)));
    assertThat(ReconfigChecks.allVotersActive(allUp)).isTrue();
    assertThat(ReconfigChecks.allVotersActive(oneDown)).isFalse();
    // With 3 down, removing 2 would leave {1, 3} with only 1 active: refused; removing 3 is fine.
    assertThat(ReconfigChecks.quorumActiveAfterRemoving(oneDown, 2)).isFalse();
    assertThat(ReconfigChecks.quorumActiveAfterRemoving(oneDown, 3)).isTrue();
    assertThat(ReconfigChecks.quorumActiveAfterRemoving(allUp, 2)).isTrue();
  }
}

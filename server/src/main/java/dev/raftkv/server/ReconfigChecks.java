package dev.raftkv.server;

import dev.raftkv.kv.Member;
import dev.raftkv.raft.ProgressStatus;
import dev.raftkv.raft.Status;
import java.util.List;
import java.util.Map;

/**
 * etcd 3.4's checks before a membership change (its {@code --strict-reconfig-check}, on by
 * default), as pure functions of the replicated members and, where etcd asks its transport, the
 * leader's view of its followers. "Started" means the member published its name (etcd's {@code
 * IsStarted}).
 */
final class ReconfigChecks {
  /** etcd 3.4 allows one learner at a time. */
  static final int MAX_LEARNERS = 1;

  /** A learner may be promoted once its log holds this share of the leader's (etcd: 90 %). */
  static final double LEARNER_READY_PERCENT = 0.9;

  private ReconfigChecks() {}

  /**
   * Whether adding one more voter keeps a quorum of started voters (etcd's {@code
   * IsReadyToAddVotingMember}); a one-member cluster may always add a second.
   */
  static boolean readyToAddVoter(List<Member> members) {
    int voters = 1;
    int started = 0;
    for (Member m : members) {
      if (!m.learner()) {
        voters++;
        if (m.started()) {
          started++;
        }
      }
    }
    if (started == 1 && voters == 2) {
      return true;
    }
    return started >= voters / 2 + 1;
  }

  /** Whether removing voter {@code id} keeps a quorum of started voters among the rest. */
  static boolean readyToRemoveVoter(List<Member> members, long id) {
    int voters = 0;
    int started = 0;
    for (Member m : members) {
      if (m.learner() || m.id() == id) {
        continue;
      }
      voters++;
      if (m.started()) {
        started++;
      }
    }
    return started >= voters / 2 + 1;
  }

  /** Whether promoting a learner (counted as started) keeps a quorum of started voters. */
  static boolean readyToPromote(List<Member> members) {
    int voters = 1;
    int started = 1;
    for (Member m : members) {
      if (!m.learner()) {
        voters++;
        if (m.started()) {
          started++;
        }
      }
    }
    return started >= voters / 2 + 1;
  }

  /** Whether another learner may be added. */
  static boolean roomForLearner(List<Member> members) {
    return members.stream().filter(Member::learner).count() < MAX_LEARNERS;
  }

  /**
   * Whether every other voter is connected, in the view of {@code status}'s node if it leads (etcd
   * refuses to add a voter otherwise: "unhealthy cluster"). A follower cannot tell and answers
   * true.
   */
  static boolean allVotersActive(Status status) {
    for (Map.Entry<Long, ProgressStatus> e : status.progress().entrySet()) {
      if (e.getKey() != status.id() && !e.getValue().learner() && !e.getValue().recentActive()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether removing voter {@code id} leaves enough connected voters for a quorum of the rest
   * (etcd: "Protect quorum if some members are down"). Only a leader can tell; a follower answers
   * true.
   */
  static boolean quorumActiveAfterRemoving(Status status, long id) {
    if (status.progress().isEmpty()) {
      return true;
    }
    int voters = 0;
    int active = 0;
    for (Map.Entry<Long, ProgressStatus> e : status.progress().entrySet()) {
      if (e.getValue().learner()) {
        continue;
      }
      voters++;
      if (e.getKey() == status.id() || e.getValue().recentActive()) {
        active++;
      }
    }
    boolean removedIsActive =
        status.progress().containsKey(id)
            && (id == status.id() || status.progress().get(id).recentActive());
    return (removedIsActive ? active - 1 : active) >= 1 + (voters - 1) / 2;
  }

  /**
   * Whether learner {@code id} holds enough of the leader's log to be promoted (etcd's {@code
   * isLearnerReady}); false if {@code status} is not a leader's or does not track it.
   */
  static boolean learnerReady(Status status, long id) {
    ProgressStatus learner = status.progress().get(id);
    ProgressStatus leader = status.progress().get(status.id());
    if (learner == null || leader == null) {
      return false;
    }
    return learner.match() >= leader.match() * LEARNER_READY_PERCENT;
  }
}

package dev.raftkv.raft.paper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Message;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The thesis's defences against disruptive servers, on by default: PreVote (§9.6), CheckQuorum
 * (§6.2) and the leader lease on votes (§4.2.3).
 */
class PreVoteAndCheckQuorumTest {

  /**
   * Thesis §9.6: "a candidate would first ask other servers whether its log was up-to-date enough
   * to get their vote. Only if the candidate believed it could get votes from a majority of the
   * cluster would it increment its term and start a normal election." A server partitioned away for
   * many election timeouts comes back with its old term and does not depose the leader.
   */
  @Test
  void partitionedNodeReturnsWithoutRaisingTermOrDisruptingTheLeader() {
    Net net = Net.of(3, 1, c -> c);
    net.elect(1);
    assertThat(net.node(1).term()).as("PreVote then one real election").isEqualTo(1);
    net.isolate(3);

    net.tickAll(100);
    assertThat(net.node(3).term()).as(net.statuses()).isEqualTo(1);
    assertThat(net.sentOf(VoteRequest.class))
        .filteredOn(v -> v.from() == 3)
        .isNotEmpty()
        .allMatch(VoteRequest::preVote);

    net.heal();
    net.node(3).campaign(); // its election timeout fires just as it rejoins
    net.deliverAll();
    net.tickAll(50);
    assertThat(net.node(1).role()).as(net.statuses()).isEqualTo(Role.LEADER);
    assertThat(net.ids()).allSatisfy(id -> assertThat(net.node(id).term()).isEqualTo(1));
    assertThat(net.node(3).leader()).isEqualTo(1);
  }

  /**
   * The leader's view of who is active (what etcd's reconfiguration checks ask) spans the current
   * CheckQuorum window and the one before: a follower that answers every heartbeat is never shown
   * inactive, not even on the tick that starts a new window, and one cut off shows inactive once a
   * whole window passed without it.
   */
  @Test
  void aFollowerThatAnswersHeartbeatsNeverShowsInactive() {
    Net net = Net.of(3, 1, c -> c);
    net.elect(1);
    int window = RaftConfig.defaults(1).electionTickMin();
    for (int t = 0; t < 3 * window; t++) {
      net.tick(1); // the leader's tick, before any answer to its heartbeat arrives
      assertThat(net.node(1).status().progress().get(2L).recentActive()).as("tick " + t).isTrue();
      net.tick(2);
      net.tick(3);
      net.deliverAll();
    }
    net.isolate(3);
    net.tickAll(2 * window + 1);
    assertThat(net.node(1).role()).isEqualTo(Role.LEADER);
    assertThat(net.node(1).status().progress().get(3L).recentActive()).isFalse();
    assertThat(net.node(1).status().progress().get(2L).recentActive()).isTrue();
  }

  /** The control for the test above: without PreVote the partitioned node's term does climb. */
  @Test
  void withoutPreVoteAPartitionedNodeRaisesItsTerm() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    net.isolate(3);

    net.tickAll(100);

    assertThat(net.node(3).term()).isGreaterThan(3);
  }

  /**
   * Thesis §9.6: PreVote changes neither side's term or vote; a voter answers on the log alone, and
   * at once (nothing to persist).
   */
  @Test
  void grantingAPreVoteChangesNeitherTermNorVote() {
    Net net = Net.of(3, 1, c -> c);
    RaftNode n = net.node(1);

    n.step(new VoteRequest(2, 1, 1, 0, 0, true, false));
    Ready rd = n.ready();

    assertThat(rd.hardState()).isNull();
    assertThat(rd.messages())
        .as(Net.describe(rd.messages()))
        .singleElement()
        .isEqualTo(new VoteResponse(1, 2, 1, true, true));
    assertThat(n.term()).isZero();
    assertThat(n.status().vote()).isZero();
  }

  /** Thesis §9.6 with §5.4.1: a PreVote from a candidate with a less up-to-date log is denied. */
  @Test
  void preVoteIsDeniedToACandidateWithAStaleLog() {
    Net net =
        new Net(
            3,
            1,
            c -> c,
            (id, s) -> {
              Net.fillLog(s, 1, 2);
              s.setHardState(Net.hs(2, 0, 0));
            });
    RaftNode n = net.node(1);

    n.step(new VoteRequest(2, 1, 3, 5, 1, true, false));
    List<Message> out = net.process(1);

    assertThat(out)
        .as(Net.describe(out))
        .singleElement()
        .matches(m -> m instanceof VoteResponse r && r.preVote() && !r.granted());
    assertThat(n.term()).isEqualTo(2);
  }

  /**
   * Thesis §9.6 defines the pre-vote grant with two conditions: "if the candidate's log is
   * sufficiently up-to-date, and the voters have not received heartbeats from a valid leader for at
   * least a baseline election timeout". The second must hold with PreVote alone, not only when
   * CheckQuorum is also on: a follower that has just heard from its leader denies the pre-vote.
   */
  @Test
  void preVoteAloneIsDeniedByAFollowerThatHeardFromItsLeader() {
    Net net = Net.of(3, 1, c -> c.withPreVoteAndCheckQuorum(true, false));
    net.elect(1);
    RaftNode n = net.node(2);
    assertThat(n.leader()).isEqualTo(1);
    long last = n.lastIndex();

    n.step(new VoteRequest(3, 2, 2, last, n.termAt(last), true, false));
    List<Message> out = net.process(2);

    assertThat(out)
        .as("follower 2 heard from leader 1 zero ticks ago: %s", Net.describe(out))
        .noneMatch(m -> m instanceof VoteResponse r && r.preVote() && r.granted());
  }

  /**
   * Thesis §9.6: "when it rejoins the cluster, it still won't be able to increment its term, since
   * the other servers will have been receiving regular heartbeats from the leader" — with PreVote
   * on and CheckQuorum off, on an idle cluster (the returning node's log is up to date).
   */
  @Test
  void preVoteAloneKeepsARejoiningNodeFromDisruptingTheLeader() {
    Net net = Net.of(3, 1, c -> c.withPreVoteAndCheckQuorum(true, false));
    net.elect(1);
    net.isolate(3);
    net.tickAll(100);
    assertThat(net.node(3).term()).as(net.statuses()).isEqualTo(1);

    net.heal();
    net.node(3).campaign(); // its election timeout fires just as it rejoins
    net.deliverAll();
    net.tickAll(50);

    assertThat(net.node(1).role()).as(net.statuses()).isEqualTo(Role.LEADER);
    assertThat(net.ids()).allSatisfy(id -> assertThat(net.node(id).term()).isEqualTo(1));
  }

  /**
   * Thesis §6.2: "the leader steps down if an election timeout elapses without a successful round
   * of heartbeats to a majority of its cluster."
   */
  @Test
  void checkQuorumLeaderStepsDownWhenItHearsFromNoQuorum() {
    Net net = Net.of(3, 1, c -> c);
    RaftNode leader = net.elect(1);
    net.isolate(1);

    for (int i = 0; i < 10; i++) {
      net.tick(1);
    }
    assertThat(leader.role())
        .as("heard from a quorum during the first timeout (the election)")
        .isEqualTo(Role.LEADER);
    for (int i = 0; i < 10; i++) {
      net.tick(1);
    }

    assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
    assertThat(leader.term()).as("stepping down does not change the term").isEqualTo(1);
    assertThat(leader.status().noLeader()).isTrue();
  }

  /** Thesis §6.2, the other side: a leader that hears from a quorum (itself and one) stays. */
  @Test
  void checkQuorumLeaderWithAQuorumStays() {
    Net net = Net.of(3, 1, c -> c);
    net.elect(1);
    net.isolate(3);

    net.tickAll(100);

    assertThat(net.node(1).role()).as(net.statuses()).isEqualTo(Role.LEADER);
    assertThat(net.node(1).term()).isEqualTo(1);
  }

  /**
   * Thesis §4.2.3: "if a server receives a RequestVote request within the minimum election timeout
   * of hearing from a current leader, it does not update its term or grant its vote."
   */
  @Test
  void followerInLeaseIgnoresAVoteRequestOfAHigherTerm() {
    Net net = Net.of(3, 1, c -> c);
    net.elect(1);
    RaftNode n = net.node(2);

    n.step(new VoteRequest(3, 2, 5, 100, 100, false, false));
    List<Message> out = net.process(2);

    assertThat(out).as(Net.describe(out)).noneMatch(m -> m instanceof VoteResponse);
    assertThat(n.term()).isEqualTo(1);
    assertThat(n.leader()).isEqualTo(1);
  }

  /**
   * Thesis §4.2.3 applies to the leader too: a leader that heard from a quorum within the election
   * timeout neither steps down nor changes term for a RequestVote of a higher term.
   */
  @Test
  void leaderInLeaseIgnoresAVoteRequestOfAHigherTerm() {
    Net net = Net.of(3, 1, c -> c);
    RaftNode leader = net.elect(1);

    leader.step(new VoteRequest(3, 1, 5, 100, 100, false, false));
    List<Message> out = net.process(1);

    assertThat(out).as(Net.describe(out)).noneMatch(m -> m instanceof VoteResponse);
    assertThat(leader.role()).isEqualTo(Role.LEADER);
    assertThat(leader.term()).isEqualTo(1);
  }

  /**
   * Thesis §4.2.3 / §3.10: the lease gives way to a leadership transfer, whose RequestVote carries
   * the leader's consent.
   */
  @Test
  void transferVoteRequestPassesTheLease() {
    Net net = Net.of(3, 1, c -> c);
    net.elect(1);
    RaftNode n = net.node(2);

    n.step(new VoteRequest(3, 2, 5, 100, 100, false, true));
    List<Message> out = net.process(2);

    assertThat(n.term()).isEqualTo(5);
    assertThat(out).anyMatch(m -> m instanceof VoteResponse r && r.granted() && m.to() == 3);
  }

  /** The lease is part of CheckQuorum: under the plain paper rules the same request is honoured. */
  @Test
  void withoutCheckQuorumAHigherTermVoteRequestIsHonoured() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    RaftNode n = net.node(2);

    n.step(new VoteRequest(3, 2, 5, 100, 100, false, false));
    List<Message> out = net.process(2);

    assertThat(n.term()).isEqualTo(5);
    assertThat(out).anyMatch(m -> m instanceof VoteResponse r && r.granted() && m.to() == 3);
  }
}

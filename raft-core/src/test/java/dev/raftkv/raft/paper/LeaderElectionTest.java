package dev.raftkv.raft.paper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Message;
import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Paper §5.2, "Leader election". */
class LeaderElectionTest {

  /** Ticks {@code n} until it leaves the follower role; returns the number of ticks. */
  private static int ticksUntilCampaign(RaftNode n) {
    for (int i = 1; i <= 100; i++) {
      n.tick();
      if (n.role() != Role.FOLLOWER) {
        return i;
      }
    }
    throw new AssertionError("no campaign within 100 ticks");
  }

  /**
   * §5.2: "If a follower receives no communication over a period of time called the election
   * timeout, then it assumes there is no viable leader and begins an election" — by default after a
   * PreVote round (thesis §9.6), which leaves the term alone.
   */
  @Test
  void followerTimesOutIntoPreVoteWithoutChangingTerm() {
    Net net = Net.of(3, 1, c -> c);
    RaftNode n = net.node(1);

    int ticks = ticksUntilCampaign(n);

    assertThat(ticks).isBetween(10, 19);
    assertThat(n.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(n.term()).as("PreVote must not raise the term").isZero();
    Ready rd = n.ready();
    assertThat(rd.hardState()).as("nothing to persist for a PreVote").isNull();
    assertThat(rd.messages())
        .as(Net.describe(rd.messages()))
        .filteredOn(m -> m instanceof VoteRequest v && v.preVote() && v.term() == 1)
        .extracting(Message::to)
        .containsExactlyInAnyOrder(2L, 3L);
  }

  /**
   * §5.2: "To begin an election, a follower increments its current term and transitions to
   * candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of
   * the other servers." Figure 2: persistent state is "updated on stable storage before responding
   * to RPCs", so the requests wait for the self-vote to be durable.
   */
  @Test
  void withoutPreVoteTimeoutStartsElectionAndRequestsWaitForDurableSelfVote() {
    Net net = Net.plain(3, 1);
    RaftNode n = net.node(1);

    ticksUntilCampaign(n);

    assertThat(n.role()).isEqualTo(Role.CANDIDATE);
    assertThat(n.term()).isEqualTo(1);
    assertThat(n.status().vote()).isEqualTo(1);
    Ready rd = n.ready();
    assertThat(rd.hardState()).isNotNull();
    assertThat(rd.hardState().term()).isEqualTo(1);
    assertThat(rd.hardState().vote()).isEqualTo(1);
    assertThat(rd.mustSync()).isTrue();
    assertThat(rd.messages()).noneMatch(m -> m instanceof VoteRequest);
    assertThat(rd.messagesAfterPersist())
        .as(Net.describe(rd.messagesAfterPersist()))
        .filteredOn(m -> m instanceof VoteRequest v && !v.preVote() && v.term() == 1)
        .extracting(Message::to)
        .containsExactlyInAnyOrder(2L, 3L);
  }

  /**
   * §5.2: "A candidate wins an election if it receives votes from a majority of the servers in the
   * full cluster for the same term... Once a candidate wins an election, it becomes leader. It then
   * sends heartbeat messages to all of the other servers to establish its authority."
   */
  @Test
  void candidateWithMajorityBecomesLeaderAndSendsAppendsToAll() {
    Net net = Net.plain(5, 1);
    net.drop(m -> m instanceof VoteRequest && (m.to() == 4 || m.to() == 5));

    net.node(1).campaign();
    net.deliverAll();

    assertThat(net.node(1).role()).as(net.statuses()).isEqualTo(Role.LEADER);
    assertThat(net.node(1).term()).isEqualTo(1);
    assertThat(net.sentOf(AppendRequest.class))
        .filteredOn(a -> a.from() == 1 && a.term() == 1)
        .extracting(Message::to)
        .contains(2L, 3L, 4L, 5L);
  }

  /** §5.2: without "votes from a majority of the servers in the full cluster" nobody leads. */
  @Test
  void candidateWithoutMajorityStaysCandidate() {
    Net net = Net.plain(5, 1);
    net.drop(m -> m instanceof VoteRequest && m.to() >= 3);

    net.node(1).campaign();
    net.deliverAll();

    assertThat(net.node(1).role()).as(net.statuses()).isEqualTo(Role.CANDIDATE);
    assertThat(net.sentOf(AppendRequest.class)).isEmpty();
  }

  /**
   * §5.2 "votes for itself", Figure 2 "persistent state ... updated on stable storage before
   * responding": the candidate's own vote counts once it is durable, i.e. at advance().
   */
  @Test
  void singleNodeCountsItsOwnVoteOnlyAfterItIsDurable() {
    Net net = Net.plain(1, 1);
    RaftNode n = net.node(1);

    n.campaign();
    Ready rd = n.ready();
    assertThat(n.role()).as("self-vote not durable yet").isEqualTo(Role.CANDIDATE);
    net.storage(1).setHardState(rd.hardState());
    n.advance(rd);

    assertThat(n.role()).isEqualTo(Role.LEADER);
  }

  /**
   * §5.2: "If the leader's term (included in its RPC) is at least as large as the candidate's
   * current term, then the candidate recognizes the leader as legitimate and returns to follower
   * state."
   */
  @Test
  void candidateStepsDownOnAppendFromLeaderOfItsTerm() {
    Net net = Net.plain(3, 1);
    RaftNode n = net.node(1);
    n.campaign();
    net.process(1);

    n.step(new AppendRequest(2, 1, 1, 0, 0, List.of(), 0));

    assertThat(n.role()).isEqualTo(Role.FOLLOWER);
    assertThat(n.term()).isEqualTo(1);
    assertThat(n.leader()).isEqualTo(2);
  }

  /**
   * §5.2: "If the term in the RPC is smaller than the candidate's current term, then the candidate
   * rejects the RPC and continues in candidate state."
   */
  @Test
  void candidateIgnoresAppendFromOlderTerm() {
    Net net = Net.plain(3, 1);
    RaftNode n = net.node(1);
    n.campaign();
    net.process(1);
    n.campaign();
    net.process(1);
    assertThat(n.term()).isEqualTo(2);

    n.step(new AppendRequest(2, 1, 1, 0, 0, List.of(), 0));

    assertThat(n.role()).isEqualTo(Role.CANDIDATE);
    assertThat(n.term()).isEqualTo(2);
    assertThat(n.status().noLeader()).isTrue();
  }

  /**
   * §5.2: "If many followers become candidates at the same time, votes could be split so that no
   * candidate obtains a majority. When this happens, each candidate will time out and start a new
   * election by incrementing its term."
   */
  @Test
  void splitVoteIsResolvedByANewElectionAfterTimeout() {
    Net net = Net.plain(4, 1);
    // 1 gets 3's vote, 2 gets 4's: two votes each out of four, no majority.
    net.drop(m -> m instanceof VoteRequest && m.from() == 1 && m.to() == 4);
    net.drop(m -> m instanceof VoteRequest && m.from() == 2 && m.to() == 3);
    net.node(1).campaign();
    net.node(2).campaign();
    net.deliverAll();
    assertThat(net.node(1).role()).as(net.statuses()).isEqualTo(Role.CANDIDATE);
    assertThat(net.node(2).role()).as(net.statuses()).isEqualTo(Role.CANDIDATE);
    net.heal();

    net.tickAll(20);

    long leaders = net.ids().stream().filter(id -> net.node(id).role() == Role.LEADER).count();
    assertThat(leaders).as(net.statuses()).isEqualTo(1);
    assertThat(net.ids()).allSatisfy(id -> assertThat(net.node(id).term()).isGreaterThan(1));
  }

  /**
   * §5.2: "Raft uses randomized election timeouts ... election timeouts are chosen randomly from a
   * fixed interval (e.g., 150–300ms)." Here [electionTickMin, electionTickMax) = [10, 20).
   */
  @Test
  void electionTimeoutsAreRandomizedWithinTheInterval() {
    Set<Integer> seen = new HashSet<>();
    for (long seed = 0; seed < 10; seed++) {
      Net net = Net.plain(3, seed);
      for (long id : net.ids()) {
        int ticks = ticksUntilCampaign(net.node(id));
        assertThat(ticks).isBetween(10, 19);
        seen.add(ticks);
      }
    }
    assertThat(seen).as("timeouts must differ across nodes and seeds").hasSizeGreaterThan(3);
  }

  /**
   * §5.2: "Each server will vote for at most one candidate in a given term, on a
   * first-come-first-served basis."
   */
  @Test
  void oneVotePerTermFirstComeFirstServed() {
    Net net = Net.plain(3, 1);
    RaftNode n = net.node(3);

    n.step(new VoteRequest(1, 3, 1, 0, 0, false, false));
    n.step(new VoteRequest(2, 3, 1, 0, 0, false, false));
    List<Message> out = net.process(3);

    assertThat(out)
        .as(Net.describe(out))
        .filteredOn(m -> m instanceof VoteResponse r && r.granted())
        .extracting(Message::to)
        .containsExactly(1L);
    assertThat(out).anyMatch(m -> m instanceof VoteResponse r && m.to() == 2 && !r.granted());
    assertThat(n.status().vote()).isEqualTo(1);
  }

  /**
   * Figure 2: votedFor is persistent state. A vote given survives a restart, so the restarted
   * server cannot vote for another candidate in the same term.
   */
  @Test
  void voteSurvivesARestart() {
    Net net = Net.plain(3, 1);
    net.node(3).step(new VoteRequest(1, 3, 1, 0, 0, false, false));
    net.process(3);
    assertThat(net.storage(3).hardState().vote()).isEqualTo(1);

    RaftNode restarted = net.restart(3);
    restarted.step(new VoteRequest(2, 3, 1, 0, 0, false, false));
    List<Message> out = net.process(3);

    assertThat(restarted.term()).isEqualTo(1);
    assertThat(restarted.status().vote()).isEqualTo(1);
    assertThat(out)
        .as(Net.describe(out))
        .noneMatch(m -> m instanceof VoteResponse r && r.granted());
  }

  /**
   * Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC from
   * current leader or granting vote to candidate: convert to candidate" — granting a vote restarts
   * the timeout.
   */
  @Test
  void grantingAVoteRestartsTheElectionTimeout() {
    // Everyone already in term 1 with no vote, so the vote below changes no term (which would
    // restart the timeout anyway) and the node keeps the timeout it drew at start.
    int timeout = ticksUntilCampaign(inTermOne().node(2)); // same seed, same draw
    Net net = inTermOne();
    RaftNode n = net.node(2);
    for (int i = 0; i < timeout - 1; i++) {
      n.tick();
    }

    n.step(new VoteRequest(1, 2, 1, 0, 0, false, false));
    net.process(2);
    assertThat(n.status().vote()).isEqualTo(1);
    for (int i = 0; i < timeout - 1; i++) {
      n.tick();
    }
    assertThat(n.role())
        .as("%d ticks since the vote, timeout %d", timeout - 1, timeout)
        .isEqualTo(Role.FOLLOWER);
    n.tick();

    assertThat(n.role()).as("a full timeout since the vote").isEqualTo(Role.CANDIDATE);
  }

  private static Net inTermOne() {
    return new Net(
        3,
        7,
        c -> c.withPreVoteAndCheckQuorum(false, false),
        (id, s) -> s.setHardState(Net.hs(1, 0, 0)));
  }

  /**
   * Thesis §9.6 with §5.2: a pre-candidate, like a candidate, "recognizes the leader as legitimate"
   * when it hears from a leader of its term, and follows it.
   */
  @Test
  void preCandidateFollowsALeaderOfItsTerm() {
    Net net = Net.of(3, 1, c -> c);
    net.elect(1);
    RaftNode n = net.node(3);
    n.campaign();
    assertThat(n.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(n.status().noLeader()).isTrue();

    n.step(new Heartbeat(1, 3, 1, 0, 0));

    assertThat(n.role()).isEqualTo(Role.FOLLOWER);
    assertThat(n.leader()).isEqualTo(1);
    assertThat(n.term()).isEqualTo(1);
  }

  /**
   * §5.2: "Leaders send periodic heartbeats ... to all followers in order to maintain their
   * authority", and "a server remains in follower state as long as it receives valid RPCs".
   */
  @Test
  void heartbeatsKeepTheLeaderInPlace() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    int before = net.sentOf(Heartbeat.class).size();

    net.tickAll(100);

    assertThat(net.sentOf(Heartbeat.class).size() - before).isGreaterThanOrEqualTo(2 * 100);
    assertThat(net.node(1).role()).isEqualTo(Role.LEADER);
    assertThat(net.ids()).allSatisfy(id -> assertThat(net.node(id).term()).isEqualTo(1));
    assertThat(net.ids()).allSatisfy(id -> assertThat(net.node(id).leader()).isEqualTo(1));
  }
}

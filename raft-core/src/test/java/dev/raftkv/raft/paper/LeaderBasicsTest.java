package dev.raftkv.raft.paper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.Message.Propose;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Paper §8 (the new leader's no-op), §5.1 "the leader handles all client requests (if a client
 * contacts a follower, the follower redirects it to the leader)", and what {@link Status} reports.
 */
class LeaderBasicsTest {

  /**
   * §8: "Raft handles this by having each leader commit a blank no-op entry into the log at the
   * start of its term."
   */
  @Test
  void newLeaderAppendsAnEmptyEntryOfItsTermAndCommitsIt() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    net.elect(2);

    RaftNode leader = net.node(2);
    assertThat(leader.term()).isEqualTo(2);
    List<Entry> last = leader.entries(2, 3);
    assertThat(last).hasSize(1);
    assertThat(last.get(0).term()).isEqualTo(2);
    assertThat(last.get(0).data()).isEmpty();
    assertThat(net.ids()).allSatisfy(id -> assertThat(net.node(id).commitIndex()).isEqualTo(2));
  }

  /** §5.1: a follower passes a client's proposal on to the leader (here as a Propose message). */
  @Test
  void followerForwardsProposalToTheLeader() {
    Net net = Net.plain(3, 1);
    net.elect(1);

    net.node(3).propose(Net.data("x"));
    List<Message> out = net.process(3);

    assertThat(out)
        .as(Net.describe(out))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m).isInstanceOf(Propose.class);
              assertThat(m.to()).isEqualTo(1);
              assertThat(((Propose) m).entries().get(0).data()).isEqualTo(Net.data("x"));
            });
    assertThat(net.node(3).lastIndex()).as("a follower does not append it itself").isEqualTo(1);
    net.deliverAll();
    assertThat(net.node(1).entries(2, 3).get(0).data()).isEqualTo(Net.data("x"));
    assertThat(net.node(3).commitIndex()).isEqualTo(2);
  }

  /** With no leader known there is nobody to redirect to: the proposal is refused, NO_LEADER. */
  @Test
  void proposalWithoutAKnownLeaderIsRejected() {
    Net net = Net.plain(3, 1);
    assertThatThrownBy(() -> net.node(1).propose(Net.data("x")))
        .isInstanceOfSatisfying(
            ProposalRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ProposalRejectedException.Reason.NO_LEADER));

    net.node(1).campaign();
    assertThat(net.node(1).role()).isEqualTo(Role.CANDIDATE);
    assertThatThrownBy(() -> net.node(1).propose(Net.data("x")))
        .isInstanceOfSatisfying(
            ProposalRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(ProposalRejectedException.Reason.NO_LEADER));
    assertThat(net.node(1).lastIndex()).isZero();
  }

  /**
   * Status reports no leader until one is heard from in the current term: a voter knows only whom
   * it voted for; it learns the leader from the leader's first append (§5.2 "establish its
   * authority").
   */
  @Test
  void statusShowsNoLeaderUntilTheLeaderIsHeard() {
    Net net = Net.plain(3, 1);
    assertThat(net.ids()).allSatisfy(id -> assertThat(net.node(id).status().noLeader()).isTrue());

    net.node(1).campaign();
    List<Message> requests = net.process(1);
    net.clearInFlight();
    Status candidate = net.node(1).status();
    assertThat(candidate.role()).isEqualTo(Role.CANDIDATE);
    assertThat(candidate.term()).isEqualTo(1);
    assertThat(candidate.noLeader()).isTrue();

    requests.stream().filter(m -> m.to() == 2).forEach(net.node(2)::step);
    net.process(2); // node 2 votes for 1; the response is in flight
    Status voter = net.node(2).status();
    assertThat(voter.term()).isEqualTo(1);
    assertThat(voter.vote()).isEqualTo(1);
    assertThat(voter.noLeader()).as("a vote is not a leader").isTrue();

    net.deliverAll(); // node 1 wins and its appends reach nodes 2 and 3
    Status follower = net.node(2).status();
    assertThat(follower.role()).isEqualTo(Role.FOLLOWER);
    assertThat(follower.leader()).isEqualTo(1);
    Status leader = net.node(1).status();
    assertThat(leader.role()).isEqualTo(Role.LEADER);
    assertThat(leader.leader()).isEqualTo(1);
    assertThat(leader.progress()).containsKeys(1L, 2L, 3L);
    assertThat(net.node(3).status().leader()).as("node 3 never voted, learns it too").isEqualTo(1);
  }
}

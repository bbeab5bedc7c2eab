package dev.raftkv.raft.paper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Role;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Paper §5.1, "Raft basics": terms as a logical clock. */
class TermRulesTest {

  /** Puts node 1 of a plain 3-node net into {@code role} in term 1. */
  private static Net netWithNode1As(Role role) {
    Net net = Net.plain(3, 1);
    switch (role) {
      case FOLLOWER -> {}
      case CANDIDATE -> {
        net.node(1).campaign();
        net.process(1);
        net.clearInFlight();
      }
      case LEADER -> net.elect(1);
      default -> throw new IllegalArgumentException(role.toString());
    }
    assertThat(net.node(1).role()).isEqualTo(role);
    return net;
  }

  /**
   * §5.1: "If one server's current term is smaller than the other's, then it updates its current
   * term to the larger value. If a candidate or leader discovers that its term is out of date, it
   * immediately reverts to follower state."
   */
  @ParameterizedTest
  @EnumSource(
      value = Role.class,
      names = {"FOLLOWER", "CANDIDATE", "LEADER"})
  void higherTermInAnyMessageUpdatesTermAndRevertsToFollower(Role role) {
    Net net = netWithNode1As(role);
    RaftNode n = net.node(1);

    n.step(new Heartbeat(2, 1, 7, 0, 0));

    assertThat(n.role()).as(net.statuses()).isEqualTo(Role.FOLLOWER);
    assertThat(n.term()).isEqualTo(7);
    assertThat(n.leader()).as("a heartbeat names the leader of the new term").isEqualTo(2);
    assertThat(n.status().vote()).as("no vote yet in the new term").isZero();
  }

  /**
   * §5.1: "If a candidate or leader discovers that its term is out of date, it immediately reverts
   * to follower state" — also when the newer term arrives in an answer, not only in a request.
   */
  @ParameterizedTest
  @EnumSource(
      value = Role.class,
      names = {"CANDIDATE", "LEADER"})
  void higherTermInAResponseAlsoRevertsToFollower(Role role) {
    Net net = netWithNode1As(role);
    RaftNode n = net.node(1);

    n.step(new VoteResponse(3, 1, 4, false, false));

    assertThat(n.role()).isEqualTo(Role.FOLLOWER);
    assertThat(n.term()).isEqualTo(4);
    assertThat(n.status().noLeader()).isTrue();
  }

  /**
   * §5.1: "If a server receives a request with a stale term number, it rejects the request." An
   * AppendEntries from a deposed leader must not touch the log, the term or the known leader.
   */
  @Test
  void appendWithStaleTermIsRejected() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    net.elect(2); // term 2: node 2 leads, node 1 follows
    RaftNode n = net.node(1);
    long last = n.lastIndex();

    n.step(
        new AppendRequest(
            3, 1, 1, last, n.termAt(last), List.of(Entry.normal(1, last + 1, Net.data("x"))), 0));
    List<Message> out = net.process(1);

    assertThat(n.lastIndex()).as("stale entries must not be appended").isEqualTo(last);
    assertThat(n.term()).isEqualTo(2);
    assertThat(n.leader()).isEqualTo(2);
    assertThat(out)
        .as(Net.describe(out))
        .noneMatch(m -> m instanceof AppendResponse r && !r.reject() && r.term() < 2);
  }

  /** §5.1: a RequestVote with a stale term is rejected: no vote is given in an older term. */
  @Test
  void voteRequestWithStaleTermIsNotGranted() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    net.elect(2);
    RaftNode n = net.node(3);
    long votedFor = n.status().vote();

    n.step(new VoteRequest(1, 3, 1, 100, 100, false, false));
    List<Message> out = net.process(3);

    assertThat(out).noneMatch(m -> m instanceof VoteResponse r && r.granted());
    assertThat(n.term()).isEqualTo(2);
    assertThat(n.status().vote()).isEqualTo(votedFor);
  }

  /**
   * §5.1 with CheckQuorum/PreVote (etcd's rule, thesis §9.6): a member answers a stale leader's
   * AppendEntries with its own higher term, so that "its term is out of date" reaches the stale
   * leader, which steps down. (Otherwise a member whose PreVotes keep failing could never raise the
   * stale leader's term.)
   */
  @Test
  void staleLeaderIsToldTheNewTermAndStepsDown() {
    Net net = Net.of(3, 3, c -> c);
    net.elect(1);
    assertThat(net.node(1).term()).isEqualTo(1);
    net.isolate(1);
    for (int i = 0; i < 200 && net.node(2).role() != Role.LEADER; i++) {
      net.tick(2);
      net.tick(3);
      net.deliverAll();
    }
    long newLeader = net.node(2).role() == Role.LEADER ? 2 : 3;
    assertThat(net.node(newLeader).role()).as(net.statuses()).isEqualTo(Role.LEADER);
    long newTerm = net.node(newLeader).term();
    assertThat(newTerm).isGreaterThan(1);
    assertThat(net.node(1).role()).as("the old leader heard nothing yet").isEqualTo(Role.LEADER);

    net.heal();
    net.tick(1); // the stale leader heartbeats in its old term
    List<Message> answers = net.process(2);
    net.process(3);
    net.deliverAll();

    assertThat(net.sentOf(AppendResponse.class))
        .as(Net.describe(answers))
        .anyMatch(r -> r.to() == 1 && r.term() == newTerm);
    assertThat(net.node(1).role()).as(net.statuses()).isEqualTo(Role.FOLLOWER);
    assertThat(net.node(1).term()).isEqualTo(newTerm);
  }
}

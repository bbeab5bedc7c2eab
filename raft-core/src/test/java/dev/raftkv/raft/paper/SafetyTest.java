package dev.raftkv.raft.paper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Message;
import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paper §5.4, "Safety": the election restriction (§5.4.1) and the commit rule (§5.4.2). */
class SafetyTest {

  /** Node 1's answer to a vote request for term 3 from a candidate whose log ends at last/term. */
  private static boolean grants(long lastIndex, long lastTerm, long... voterLog) {
    Net net =
        new Net(
            3,
            1,
            c -> c.withPreVoteAndCheckQuorum(false, false),
            (id, s) -> {
              Net.fillLog(s, voterLog);
              s.setHardState(Net.hs(2, 0, 0));
            });
    net.node(1).step(new VoteRequest(2, 1, 3, lastIndex, lastTerm, false, false));
    List<Message> out = net.process(1);
    assertThat(out).as(Net.describe(out)).hasSize(1);
    return ((VoteResponse) out.get(0)).granted();
  }

  /**
   * §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the candidate
   * ... If the logs have last entries with different terms, then the log with the later term is
   * more up-to-date."
   */
  @Test
  void voterWithLaterLastTermDeniesLongerCandidateLog() {
    assertThat(grants(10, 1, 1, 2)).isFalse();
  }

  /**
   * §5.4.1: "If the logs end with the same term, then whichever log is longer is more up-to-date."
   */
  @Test
  void voterWithSameLastTermButLongerLogDeniesVote() {
    assertThat(grants(2, 1, 1, 1, 1)).isFalse();
  }

  /** §5.4.1, the other side: a candidate at least as up-to-date gets the vote. */
  @Test
  void candidateAtLeastAsUpToDateGetsTheVote() {
    assertThat(grants(3, 1, 1, 1, 1)).as("same last term, same length").isTrue();
    assertThat(grants(1, 2, 1, 1, 1)).as("later last term, shorter log").isTrue();
  }

  /**
   * §5.4.1: "a candidate must contact a majority of the cluster in order to be elected, which means
   * that every committed entry must be present in at least one of those servers" — a node that
   * missed a committed entry cannot become leader.
   */
  @Test
  void nodeMissingACommittedEntryCannotBeElected() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    net.isolate(3);
    net.propose(1, "x");
    assertThat(net.node(1).commitIndex()).isEqualTo(2);
    net.heal();
    net.isolate(1);

    net.node(3).campaign();
    net.deliverAll();

    assertThat(net.node(3).role()).as(net.statuses()).isNotEqualTo(Role.LEADER);
    assertThat(net.sentOf(VoteResponse.class))
        .anyMatch(r -> r.from() == 2 && r.to() == 3 && !r.granted());
    net.elect(2);
    assertThat(net.node(2).termAt(2)).isEqualTo(1);
  }

  /** Figure 8 (c): S1 leads term 4; S1 and S2 hold 2/2, S3 and S4 only 1/1, S5 holds 2/3. */
  private static Net figure8() {
    return new Net(
        5,
        8,
        c -> c.withPreVoteAndCheckQuorum(false, false),
        (id, s) -> {
          if (id == 1 || id == 2) {
            Net.fillLog(s, 1, 2);
          } else if (id == 5) {
            Net.fillLog(s, 1, 3);
          } else {
            Net.fillLog(s, 1);
          }
          s.setHardState(Net.hs(3, 0, 1));
        });
  }

  /**
   * §5.4.2 / Figure 8: "Raft never commits log entries from previous terms by counting replicas.
   * Only log entries from the leader's current term are committed by counting replicas; once an
   * entry from the current term has been committed in this way, then all prior entries are
   * committed indirectly."
   */
  @Test
  void leaderDoesNotCommitAnEntryOfAnEarlierTermByCountingReplicas() {
    Net net = figure8();
    net.drop(m -> m instanceof AppendRequest); // elect S1 without replicating anything
    RaftNode s1 = net.elect(1);
    assertThat(s1.term()).isEqualTo(4);
    assertThat(s1.termAt(3)).as("the new leader's entry").isEqualTo(4);
    net.isolate(1);

    // S2 and S3 now hold 2/2: with S1 that is 3 of 5 replicas of an entry of term 2.
    s1.step(new AppendResponse(2, 1, 4, 2, false, 0, 0));
    s1.step(new AppendResponse(3, 1, 4, 2, false, 0, 0));
    net.process(1);
    assertThat(s1.commitIndex()).as("2/2 is on a majority but is of term 2").isEqualTo(1);

    s1.step(new AppendResponse(2, 1, 4, 3, false, 0, 0));
    net.process(1);
    assertThat(s1.commitIndex()).as("3/4 is on 2 of 5 only").isEqualTo(1);

    s1.step(new AppendResponse(3, 1, 4, 3, false, 0, 0));
    net.process(1);
    assertThat(s1.commitIndex()).as("3/4 on a majority commits 2/2 with it").isEqualTo(3);
    // 1 was committed before S1 started (its hard state) and is applied at start; 2 and 3 now.
    assertThat(net.applied(1)).extracting(e -> e.index()).containsExactly(1L, 2L, 3L);
  }

  /**
   * Figure 8 (d): why the rule is needed. An entry of an earlier term stored on a majority (2/2 on
   * S1, S2, S3) can still be overwritten: S5, whose last term is 3, is elected by S2, S3 and S4 and
   * replaces index 2 everywhere.
   */
  @Test
  void figure8AnOldTermEntryOnAMajorityCanBeOverwritten() {
    Net net =
        new Net(
            5,
            8,
            c -> c.withPreVoteAndCheckQuorum(false, false),
            (id, s) -> {
              if (id <= 3) {
                Net.fillLog(s, 1, 2);
              } else if (id == 5) {
                Net.fillLog(s, 1, 3);
              } else {
                Net.fillLog(s, 1);
              }
              s.setHardState(Net.hs(4, 0, 1));
            });
    net.isolate(1); // S1 has crashed

    RaftNode s5 = net.elect(5);

    assertThat(s5.term()).isEqualTo(5);
    for (long id = 2; id <= 4; id++) {
      assertThat(net.node(id).termAt(2)).as("S%d index 2", id).isEqualTo(3);
    }
    assertThat(s5.commitIndex()).isEqualTo(3);
  }

  /**
   * Figure 8 (e): once the leader's own-term entry is on a majority, S5 (last term 3) can no longer
   * win: the majority it needs includes a server whose log ends in term 4.
   */
  @Test
  void figure8OnceTheCurrentTermEntryCommitsS5CannotWin() {
    Net net = figure8();
    net.isolate(4);
    net.isolate(5);
    RaftNode s1 = net.elect(1);
    assertThat(s1.commitIndex()).as(net.statuses()).isEqualTo(3);
    net.heal();
    net.isolate(1);

    net.node(5).campaign();
    net.deliverAll();

    assertThat(net.node(5).role()).as(net.statuses()).isNotEqualTo(Role.LEADER);
    assertThat(net.node(2).termAt(2)).isEqualTo(2);
    assertThat(net.node(3).termAt(3)).isEqualTo(4);
  }
}

package dev.raftkv.raft.paper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.ProgressState;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paper §5.3, "Log replication", and the AppendEntries receiver rules of Figure 2. */
class LogReplicationTest {

  private static List<String> texts(List<Entry> ents) {
    List<String> out = new ArrayList<>();
    for (Entry e : ents) {
      out.add(new String(e.data(), StandardCharsets.UTF_8));
    }
    return out;
  }

  /** A single node with a pre-built log of the given terms and current term {@code term}. */
  private static Net single(long term, long... logTerms) {
    return new Net(
        3,
        1,
        c -> c.withPreVoteAndCheckQuorum(false, false),
        (id, s) -> {
          Net.fillLog(s, logTerms);
          s.setHardState(Net.hs(term, 0, 0));
        });
  }

  /**
   * §5.3: "The leader appends the command to its log as a new entry, then issues AppendEntries RPCs
   * in parallel to each of the other servers to replicate the entry" — sent at once, while its own
   * write is in progress (thesis §10.2.1).
   */
  @Test
  void leaderAppendsProposalAndSendsItToEveryFollower() {
    Net net = Net.plain(3, 1);
    RaftNode leader = net.elect(1);

    leader.propose(Net.data("x"));

    assertThat(leader.lastIndex()).isEqualTo(2);
    assertThat(leader.entries(2, 3)).containsExactly(Entry.normal(1, 2, Net.data("x")));
    Ready rd = leader.ready();
    assertThat(rd.entries()).containsExactly(Entry.normal(1, 2, Net.data("x")));
    assertThat(rd.messages())
        .as(Net.describe(rd.messages()))
        .filteredOn(
            m ->
                m instanceof AppendRequest a
                    && a.prevIndex() == 1
                    && a.prevTerm() == 1
                    && a.entries().equals(rd.entries()))
        .extracting(Message::to)
        .containsExactlyInAnyOrder(2L, 3L);
  }

  /**
   * §5.3: "A log entry is committed once the leader that created the entry has replicated it on a
   * majority of the servers"; the leader then applies it, and §5.3 "once a follower learns that a
   * log entry is committed, it applies the entry to its local state machine (in log order)".
   */
  @Test
  void entryCommitsOnMajorityAndIsAppliedInLogOrder() {
    Net net = Net.plain(3, 1);
    net.elect(1);
    net.isolate(3);

    net.propose(1, "a");
    net.propose(1, "b");
    net.propose(2, "c"); // forwarded to the leader

    assertThat(net.node(1).commitIndex()).as(net.statuses()).isEqualTo(4);
    assertThat(net.node(2).commitIndex()).isEqualTo(4);
    assertThat(net.node(3).commitIndex()).as("isolated: never heard of it").isEqualTo(1);
    assertThat(texts(net.applied(1))).containsExactly("", "a", "b", "c");
    assertThat(net.applied(2)).isEqualTo(net.applied(1));
  }

  /**
   * §5.3 "replicated it on a majority of the servers", Figure 2 "persistent state ... updated on
   * stable storage": the leader's own copy counts toward the majority only once durable. With one
   * follower of two acknowledging, the entry must not commit before the leader's advance.
   */
  @Test
  void leaderCountsItsOwnCopyOnlyOnceDurable() {
    Net net = Net.plain(3, 1);
    RaftNode leader = net.elect(1);
    net.isolate(3);

    leader.propose(Net.data("x"));
    Ready rd = leader.ready();
    rd.messages().forEach(net::send);
    net.deliverAll(); // node 2 stores and acknowledges index 2
    assertThat(net.sentOf(AppendResponse.class))
        .anyMatch(r -> r.from() == 2 && r.index() == 2 && !r.reject());
    assertThat(leader.commitIndex()).as("only 1 of 3 copies is durable").isEqualTo(1);

    net.storage(1).append(rd.entries());
    rd.messagesAfterPersist().forEach(net::send);
    leader.advance(rd);

    assertThat(leader.commitIndex()).isEqualTo(2);
  }

  /**
   * §5.3: "The leader keeps track of the highest index it knows to be committed, and it includes
   * that index in future AppendEntries RPCs (including heartbeats) so that the other servers
   * eventually find out."
   */
  @Test
  void followerLearnsCommitFromTheLeadersNextMessage() {
    Net net = Net.plain(3, 1);
    RaftNode leader = net.elect(1);
    leader.propose(Net.data("x"));
    net.process(1);
    List<Message> replies = new ArrayList<>();
    for (long f = 2; f <= 3; f++) {
      AppendRequest a = lastAppendTo(net, f);
      net.node(f).step(a);
      replies.addAll(net.process(f));
    }
    net.clearInFlight();
    assertThat(net.node(2).commitIndex()).isEqualTo(1);

    replies.forEach(leader::step);
    assertThat(leader.commitIndex()).isEqualTo(2);
    List<Message> next = net.process(1);
    net.deliverAll();

    assertThat(next)
        .as(Net.describe(next))
        .anyMatch(m -> m instanceof AppendRequest a && a.to() == 2 && a.commit() == 2);
    assertThat(net.node(2).commitIndex()).isEqualTo(2);
    assertThat(texts(net.applied(2))).containsExactly("", "x");
  }

  private static AppendRequest lastAppendTo(Net net, long to) {
    List<AppendRequest> apps = net.sentOf(AppendRequest.class);
    for (int i = apps.size() - 1; i >= 0; i--) {
      if (apps.get(i).to() == to) {
        return apps.get(i);
      }
    }
    throw new AssertionError("no append to " + to);
  }

  /**
   * Figure 2, AppendEntries receiver rule 2: "Reply false if log doesn't contain an entry at
   * prevLogIndex whose term matches prevLogTerm" (§5.3 consistency check).
   */
  @Test
  void followerRejectsAppendWhosePrevEntryDoesNotMatch() {
    Net net = single(2, 1, 1);
    RaftNode n = net.node(1);

    n.step(new AppendRequest(2, 1, 2, 2, 2, List.of(Entry.normal(2, 3, Net.data("x"))), 0)); // term
    n.step(new AppendRequest(2, 1, 2, 5, 2, List.of(Entry.normal(2, 6, Net.data("y"))), 0)); // gap
    List<Message> out = net.process(1);

    assertThat(out).hasSize(2);
    assertThat(out)
        .as(Net.describe(out))
        .allMatch(m -> m instanceof AppendResponse r && r.reject() && r.hintIndex() <= 2);
    assertThat(n.lastIndex()).isEqualTo(2);
    assertThat(n.termAt(2)).isEqualTo(1);
  }

  /**
   * Figure 2, AppendEntries receiver rules 3–4: "If an existing entry conflicts with a new one
   * (same index but different terms), delete the existing entry and all that follow it. Append any
   * new entries not already in the log."
   */
  @Test
  void conflictingEntriesAreDeletedAndReplaced() {
    Net net = single(2, 1, 1, 1, 1);
    RaftNode n = net.node(1);

    n.step(new AppendRequest(2, 1, 2, 1, 1, List.of(Entry.normal(2, 2, Net.data("new"))), 0));
    List<Message> out = net.process(1);

    assertThat(out).anyMatch(m -> m instanceof AppendResponse r && !r.reject() && r.index() == 2);
    assertThat(n.lastIndex()).as("entries 3 and 4 followed the conflict").isEqualTo(2);
    assertThat(n.termAt(2)).isEqualTo(2);
    assertThat(net.storage(1).lastIndex()).isEqualTo(2);
    assertThat(net.storage(1).term(2)).isEqualTo(2);
  }

  /**
   * Figure 2, receiver rule 3 says "delete" only on a conflict: an append whose entries are all
   * present (a delayed, duplicate RPC) must not truncate the entries after them.
   */
  @Test
  void appendOfEntriesAlreadyPresentDoesNotTruncate() {
    Net net = single(2, 1, 1, 1, 1);
    RaftNode n = net.node(1);

    n.step(new AppendRequest(2, 1, 2, 1, 1, List.of(Entry.normal(1, 2, Net.data("e2"))), 0));
    net.process(1);

    assertThat(n.lastIndex()).isEqualTo(4);
    assertThat(net.storage(1).lastIndex()).isEqualTo(4);
  }

  /**
   * Figure 2, receiver rule 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit,
   * index of last new entry)" — not the follower's last index, which may hold unverified entries.
   */
  @Test
  void followerCommitsAtMostTheLastNewEntry() {
    Net net = single(2, 1, 1, 1, 1);
    RaftNode n = net.node(1);

    n.step(new AppendRequest(2, 1, 2, 1, 1, List.of(Entry.normal(1, 2, Net.data("e2"))), 4));
    net.process(1);

    assertThat(n.commitIndex()).isEqualTo(2);
  }

  /**
   * Figure 2, "Rules for Servers": apply committed entries, but (our Ready contract) only entries
   * durable locally: a follower told in the same append that new entries are committed persists
   * them before it may apply them.
   */
  @Test
  void followerAppliesACommittedEntryOnlyOnceItIsDurable() {
    Net net = single(2, 1);
    RaftNode n = net.node(1);

    n.step(new AppendRequest(2, 1, 2, 1, 1, List.of(Entry.normal(2, 2, Net.data("x"))), 2));
    Ready first = n.ready();

    assertThat(n.commitIndex()).isEqualTo(2);
    assertThat(first.entries()).extracting(Entry::index).containsExactly(2L);
    assertThat(first.committedEntries()).extracting(Entry::index).doesNotContain(2L);
    net.storage(1).append(first.entries());
    net.storage(1).setHardState(first.hardState());
    n.advance(first);
    Ready second = n.ready();
    assertThat(second.committedEntries()).extracting(Entry::index).contains(2L);
  }

  /**
   * §5.3 "replicated it on a majority of the servers": two followers of three are a majority
   * without the leader, so the entry commits before the leader's own write is durable — but the
   * leader applies it only once it is durable locally.
   */
  @Test
  void twoFollowersCommitWithoutTheLeadersDiskButTheLeaderAppliesOnlyOnceDurable() {
    Net net = Net.plain(3, 1);
    RaftNode leader = net.elect(1);

    leader.propose(Net.data("x"));
    Ready rd = leader.ready();
    rd.messages().forEach(net::send);
    net.deliverAll();

    assertThat(leader.commitIndex()).as(net.statuses()).isEqualTo(2);
    assertThat(leader.hasReady()).isFalse();
    net.storage(1).append(rd.entries());
    leader.advance(rd);
    assertThat(rd.committedEntries()).extracting(Entry::index).doesNotContain(2L);
    net.process(1);
    assertThat(texts(net.applied(1))).containsExactly("", "x");
  }

  /** A single server is its own majority, once its write is durable. */
  @Test
  void singleNodeCommitsAfterItsOwnWriteIsDurable() {
    Net net = Net.plain(1, 1);
    RaftNode n = net.elect(1);

    n.propose(Net.data("x"));
    Ready rd = n.ready();
    assertThat(n.commitIndex()).isEqualTo(1);
    net.storage(1).append(rd.entries());
    n.advance(rd);

    assertThat(n.commitIndex()).isEqualTo(2);
  }

  /**
   * §5.5: "Raft RPCs are idempotent ... if a follower receives an AppendEntries request that
   * includes log entries already present in its log, it ignores those entries in the new request."
   */
  @Test
  void duplicateAppendIsIdempotent() {
    Net net = single(2, 1);
    RaftNode n = net.node(1);
    AppendRequest a =
        new AppendRequest(
            2,
            1,
            2,
            1,
            1,
            List.of(Entry.normal(2, 2, Net.data("x")), Entry.normal(2, 3, Net.data("y"))),
            1);

    n.step(a);
    net.process(1);
    n.step(a);
    List<Message> out = net.process(1);

    assertThat(out).singleElement().isEqualTo(new AppendResponse(1, 2, 2, 3, false, 0, 0));
    assertThat(net.storage(1).lastIndex()).isEqualTo(3);
    assertThat(n.entries(1, 4)).extracting(Entry::term).containsExactly(1L, 2L, 2L);
  }

  /**
   * §5.3: "After a rejection, the leader decrements nextIndex and retries the AppendEntries RPC" —
   * from pipelining (REPLICATE) it falls back to probing one append at a time.
   */
  @Test
  void rejectionInReplicateStateFallsBackToProbing() {
    Net net = Net.plain(3, 1);
    RaftNode leader = net.elect(1);
    net.drop(m -> m instanceof AppendResponse && m.from() == 2);
    net.propose(1, "x"); // sent to 2 as prev=1/1 [2]
    net.propose(1, "y"); // pipelined as prev=2/1 [3] without waiting
    assertThat(leader.status().progress().get(2L).state()).isEqualTo(ProgressState.REPLICATE);
    assertThat(leader.status().progress().get(2L).match()).isEqualTo(1);
    int mark = net.sent.size();

    // Node 2 says it lacks a match at 2 (say it lost an unsynced write).
    leader.step(new AppendResponse(2, 1, 1, 2, true, 1, 1));
    List<Message> out = net.process(1);

    assertThat(leader.status().progress().get(2L).state()).isEqualTo(ProgressState.PROBE);
    assertThat(out)
        .as(Net.describe(out))
        .filteredOn(m -> m instanceof AppendRequest && m.to() == 2)
        .singleElement()
        .matches(
            m -> ((AppendRequest) m).prevIndex() == 1 && ((AppendRequest) m).entries().size() == 2);
    assertThat(net.sent.size() - mark).isEqualTo(out.size());
  }

  /**
   * §5.3: "If desired, the protocol can be optimized to reduce the number of rejected AppendEntries
   * RPCs ... the leader can decrement nextIndex to bypass all of the conflicting entries in that
   * term; one AppendEntries RPC will be required for each term with conflicting entries, rather
   * than one RPC per entry." Two shapes: the leader skips its own terms the follower cannot have,
   * and the follower skips its terms newer than the leader's.
   */
  @Test
  void fastBackOffRepairsADivergentFollowerInOneRoundPerTerm() {
    // Leader (and node 2): 1/1 then 30 entries of term 5. Node 3: 1/1 then 10 each of terms 2,3,4.
    long[] leaderLog = new long[31];
    long[] followerLog = new long[31];
    leaderLog[0] = 1;
    followerLog[0] = 1;
    for (int i = 1; i < 31; i++) {
      leaderLog[i] = 5;
      followerLog[i] = 2L + (i - 1) / 10;
    }
    assertRepairedInFewRounds(leaderLog, followerLog, 5, 4, 30);

    // Leader: 1/1 then 30 entries of term 2. Node 3: 1/1, 10 of term 2, then 30 of term 3.
    long[] leaderLog2 = new long[31];
    long[] followerLog2 = new long[41];
    leaderLog2[0] = 1;
    followerLog2[0] = 1;
    for (int i = 1; i < 31; i++) {
      leaderLog2[i] = 2;
    }
    for (int i = 1; i < 41; i++) {
      followerLog2[i] = i <= 10 ? 2 : 3;
    }
    assertRepairedInFewRounds(leaderLog2, followerLog2, 5, 3, 30);
  }

  private static void assertRepairedInFewRounds(
      long[] leaderLog, long[] followerLog, long leaderTerm, long followerTerm, int divergent) {
    Net net =
        new Net(
            3,
            1,
            c -> c.withPreVoteAndCheckQuorum(false, false),
            (id, s) -> {
              Net.fillLog(s, id == 3 ? followerLog : leaderLog);
              s.setHardState(Net.hs(id == 3 ? followerTerm : leaderTerm, 0, 1));
            });

    RaftNode leader = net.elect(1);

    long rejections =
        net.sentOf(AppendResponse.class).stream().filter(r -> r.from() == 3 && r.reject()).count();
    assertThat(rejections)
        .as("rejections from node 3 (divergent entries: %d)", divergent)
        .isBetween(1L, 3L)
        .isLessThan(divergent);
    RaftNode f = net.node(3);
    assertThat(f.lastIndex()).isEqualTo(leader.lastIndex());
    assertThat(f.entries(1, f.lastIndex() + 1))
        .isEqualTo(leader.entries(1, leader.lastIndex() + 1));
    assertThat(f.commitIndex()).isEqualTo(leader.lastIndex());
    assertThat(leader.role()).isEqualTo(Role.LEADER);
  }
}

package dev.raftkv.raft;

import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.HeartbeatResponse;
import dev.raftkv.raft.Message.ReadIndexResponse;
import dev.raftkv.raft.Message.SnapshotResponse;
import dev.raftkv.raft.Message.TimeoutNow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What only a leader has and does: its followers' progress and the replication driven by it
 * (appends, heartbeats, commit), linearizable reads and the lease, CheckQuorum, leadership
 * transfer, and the leader's reaction to applied membership changes. Snapshots for followers that
 * fell behind the log go through its {@link SnapshotSender}.
 *
 * <p>{@link RaftNode} creates one when it becomes leader and drops it on any other transition, so
 * no follower code can touch leader state by mistake. Every change of term is such a transition, so
 * {@link #term} is the node's term for as long as this object is in use. The node's other shared
 * state (membership, clocks, the log) is read through the node; messages leave through its {@link
 * Outbox}. A method that makes the node step down returns at once and touches nothing more.
 *
 * <p>Invariants: {@link #progress} has one entry per member of the node's membership, this node's
 * included. This node's own match is its durable index and moves only in {@link #selfPersisted()},
 * so the leader counts its own log toward commit only once it is durable.
 */
final class Leader {
  private final RaftNode node;
  private final RaftConfig config;
  private final RaftLog log;
  private final Outbox outbox;
  private final long id;

  /** The term this node leads. */
  final long term;

  /** Every member's progress, this node's own included (its match is its durable index). */
  final Map<Long, Progress> progress = new TreeMap<>();

  /** Linearizable reads and the lease. */
  final ReadOnly readOnly = new ReadOnly();

  private final SnapshotSender snapshots;

  /** The member leadership is being handed to, or 0. Proposals are refused meanwhile. */
  long transferee;

  /**
   * The index of the last membership change appended; a new one is accepted only once it is applied
   * (one change in flight at a time). A new leader sets it to its first entry, so it commits an
   * entry of its own term before any change (thesis §4.1).
   */
  long pendingConfIndex;

  /** Ticks since {@link #tick()} last broadcast heartbeats (reads start rounds of their own). */
  private int heartbeatElapsed;

  /**
   * Starts leading {@code node}'s current term: every member is probed from just past the log's
   * last index, and this node's own progress replicates from its durable index.
   */
  Leader(RaftNode node) {
    this.node = node;
    this.config = node.config;
    this.log = node.log;
    this.outbox = node.outbox;
    this.id = node.id;
    this.term = node.term;
    this.snapshots = new SnapshotSender(config, log.storage(), outbox, id, term);
    long last = log.lastIndex();
    for (long member : node.conf.all()) {
      progress.put(member, newProgress(member, last + 1));
    }
    Progress self = progress.get(id);
    self.match = log.stableIndex();
    self.becomeReplicate();
    self.recentActive = true;
  }

  private Progress newProgress(long member, long next) {
    return new Progress(
        0,
        next,
        config.maxInflight(),
        config.maxInflightBytes(),
        node.conf.learners().contains(member));
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  /**
   * Appends proposals and sends them.
   *
   * @throws ProposalRejectedException while leadership is being transferred, or if a membership
   *     change would be a second one in flight
   */
  void propose(List<Entry> entries) {
    if (transferee != 0) {
      throw new ProposalRejectedException(
          ProposalRejectedException.Reason.LEADERSHIP_TRANSFER,
          id,
          "leadership is being transferred to " + transferee);
    }
    if (!appendProposals(entries)) {
      throw new ProposalRejectedException(
          ProposalRejectedException.Reason.CONF_CHANGE_PENDING,
          id,
          "a membership change (index " + pendingConfIndex + ") is not applied yet");
    }
  }

  /** Appends proposals; returns false (appending nothing) if a second conf change would be. */
  boolean appendProposals(List<Entry> proposals) {
    long index = log.lastIndex();
    long confIndex = 0;
    List<Entry> ents = new ArrayList<>(proposals.size());
    for (Entry p : proposals) {
      if (p.type() == EntryType.CONF_CHANGE) {
        if (pendingConfIndex > log.applied() || confIndex != 0) {
          return false;
        }
        confIndex = index + 1;
      }
      ents.add(new Entry(term, ++index, p.type(), p.data()));
    }
    if (confIndex != 0) {
      pendingConfIndex = confIndex;
    }
    log.append(ents);
    // The leader's own progress moves when the entries are durable (see advance), never before.
    bcastAppend();
    return true;
  }

  /**
   * Hands leadership to the voter {@code target} (not this node): it is brought up to date and told
   * to campaign; the transfer has an election timeout to finish (see {@link #tick()}).
   */
  void transfer(long target) {
    if (transferee == target) {
      return;
    }
    transferee = target;
    node.electionElapsed = 0;
    Progress pr = progress.get(target);
    if (pr.match == log.lastIndex()) {
      outbox.send(new TimeoutNow(id, target, term));
    } else {
      sendAppend(target, true);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /**
   * One tick: every election timeout, CheckQuorum (the node steps down if no quorum was heard from)
   * and the end of an unfinished transfer; every heartbeat interval, a heartbeat round.
   */
  void tick() {
    heartbeatElapsed++;
    node.electionElapsed++;
    if (node.electionElapsed >= config.electionTickMin()) {
      node.electionElapsed = 0;
      if (config.checkQuorum() && !quorumActive()) {
        // Thesis §6.2: a leader that cannot reach a quorum steps down, so clients go elsewhere.
        node.becomeFollower(term, 0);
        return;
      }
      for (Map.Entry<Long, Progress> e : progress.entrySet()) {
        Progress pr = e.getValue();
        pr.activeLastWindow = pr.recentActive;
        pr.recentActive = e.getKey() == id;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      transferee = 0;
    }
    if (heartbeatElapsed >= config.heartbeatTick()) {
      heartbeatElapsed = 0;
      bcastHeartbeat();
    }
  }

  private boolean quorumActive() {
    int active = 0;
    for (long v : node.conf.voters()) {
      Progress pr = progress.get(v);
      if (v == id || (pr != null && pr.recentActive)) {
        active++;
      }
    }
    return active >= Quorum.majority(node.conf.voters().size());
  }

  // ---------------------------------------------------------------------------------------------
  // Answers from followers

  /** Handles a message of this term from a peer. */
  void step(Message m) {
    if (m instanceof AppendResponse r) {
      handleAppendResponse(r);
    } else if (m instanceof HeartbeatResponse r) {
      handleHeartbeatResponse(r);
    } else if (m instanceof SnapshotResponse r) {
      handleSnapshotResponse(r);
    }
    // An AppendRequest or Heartbeat of our own term from someone else cannot happen (one leader
    // per term); VoteResponses from a finished campaign are stale.
  }

  private void handleAppendResponse(AppendResponse m) {
    Progress pr = progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    if (m.reject()) {
      long nextProbe = m.hintIndex();
      if (m.hintTerm() > 0) {
        // Skip every entry of ours whose term the follower cannot have at that position.
        nextProbe = log.findConflictByTerm(m.hintIndex(), m.hintTerm()).index();
      }
      if (pr.maybeDecrTo(m.index(), nextProbe)) {
        if (pr.state == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
        sendAppend(m.from(), true);
      }
      return;
    }
    boolean wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index()) || (pr.match == m.index() && pr.state == ProgressState.PROBE)) {
      if (pr.state == ProgressState.PROBE) {
        pr.becomeReplicate();
      } else if (pr.state == ProgressState.REPLICATE) {
        pr.inflights.freeLE(m.index());
      }
      if (maybeCommit()) {
        bcastAppend();
      } else if (wasPaused) {
        sendAppend(m.from(), true);
      }
      sendAppend(m.from(), false);
      if (m.from() == transferee && pr.match == log.lastIndex()) {
        outbox.send(new TimeoutNow(id, m.from(), term));
      }
    }
  }

  private void handleHeartbeatResponse(HeartbeatResponse m) {
    Progress pr = progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    pr.probeSent = false;
    pr.ackedRound = Math.max(pr.ackedRound, m.context());
    if (pr.state == ProgressState.REPLICATE && pr.inflights.full()) {
      pr.inflights.freeFirstOne();
    }
    if (pr.state == ProgressState.SNAPSHOT) {
      snapshots.heartbeatAnswered(m.from(), pr, node.tickCount);
    } else if (pr.match < log.lastIndex() || pr.state == ProgressState.PROBE) {
      sendAppend(m.from(), true);
    }
    releaseReads();
  }

  private void handleSnapshotResponse(SnapshotResponse m) {
    Progress pr = progress.get(m.from());
    if (pr == null || pr.state != ProgressState.SNAPSHOT) {
      return;
    }
    pr.recentActive = true;
    if (snapshots.handleResponse(m, pr, node.tickCount)) {
      sendAppend(m.from(), true); // it holds the snapshot: probe from just after it
    }
  }

  /**
   * This node's log became durable up to its stable index (at {@link RaftNode#advance}): its own
   * progress moves, which may commit.
   */
  void selfPersisted() {
    Progress self = progress.get(id);
    if (self != null && self.maybeUpdate(log.stableIndex()) && maybeCommit()) {
      bcastAppend();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Replication

  void bcastAppend() {
    for (long peer : progress.keySet()) {
      if (peer != id) {
        sendAppend(peer, true);
      }
    }
  }

  /**
   * Sends appends to {@code to} while flow control allows and entries remain; the first one even if
   * empty when {@code sendIfEmpty} (to carry the commit index or probe).
   */
  private void sendAppend(long to, boolean sendIfEmpty) {
    boolean first = true;
    while (maybeSendAppend(to, first && sendIfEmpty)) {
      first = false;
      if (progress.get(to).state != ProgressState.REPLICATE) {
        break;
      }
    }
  }

  private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
    Progress pr = progress.get(to);
    if (pr.isPaused()) {
      return false;
    }
    if (pr.next < log.firstIndex()) {
      // What the follower needs next is compacted away: it gets the snapshot instead.
      return snapshots.start(to, pr, node.tickCount);
    }
    long prevIndex = pr.next - 1;
    long prevTerm = log.term(prevIndex);
    List<Entry> ents = log.entriesFrom(pr.next, config.maxMessageBytes());
    if (ents.isEmpty() && !sendIfEmpty) {
      return false;
    }
    long bytes = 0;
    for (Entry e : ents) {
      bytes += e.sizeBytes();
    }
    outbox.send(new AppendRequest(id, to, term, prevIndex, prevTerm, ents, log.committed()));
    long last = ents.isEmpty() ? prevIndex : ents.get(ents.size() - 1).index();
    pr.sentEntries(ents.size(), last, bytes);
    return true;
  }

  /**
   * Sends a heartbeat to every other member, as one new read round, and releases the reads that
   * round already satisfies (a single-voter cluster needs no answer).
   */
  void bcastHeartbeat() {
    long round = readOnly.nextRound(node.tickCount);
    for (Map.Entry<Long, Progress> e : progress.entrySet()) {
      long peer = e.getKey();
      if (peer != id) {
        long commit = Math.min(e.getValue().match, log.committed());
        outbox.send(new Heartbeat(id, peer, term, commit, round));
      }
    }
    releaseReads();
  }

  /**
   * Advances the commit index to the highest index a majority holds, if that entry is of the
   * current term (paper §5.4.2: older entries commit only indirectly, Figure 8).
   */
  private boolean maybeCommit() {
    long index = Quorum.committedIndex(node.conf.voters(), progress);
    if (index > log.committed() && index != Long.MAX_VALUE && log.term(index) == term) {
      log.commitTo(index);
      readOnly.ownTermCommitted(index);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** A linearizable read asked by {@code from} (this node or a follower that forwarded it). */
  void read(long requestId, long from) {
    if (log.term(log.committed()) != term) {
      // Thesis §6.4: until it commits an entry of its term, a new leader's commit index may be
      // behind what its predecessor committed.
      readOnly.holdUntilCommit(requestId, from);
      return;
    }
    if (leaseHolds()) {
      answerRead(requestId, from, log.committed());
      return;
    }
    readOnly.add(requestId, from, log.committed());
  }

  /**
   * Whether the lease proves no other leader can exist now: lease reads are on, no transfer is
   * under way, and a quorum answered a heartbeat sent less than {@code electionTickMin -
   * leaseDriftTicks} ticks ago (members refuse votes for {@code electionTickMin} after hearing from
   * a leader).
   */
  private boolean leaseHolds() {
    return config.leaseRead()
        && transferee == 0
        && readOnly.leaseStartTick() != Long.MIN_VALUE
        && node.tickCount
            < readOnly.leaseStartTick() + config.electionTickMin() - config.leaseDriftTicks();
  }

  private void releaseReads() {
    for (ReadOnly.Pending p : readOnly.release(node.conf.voters(), progress, id)) {
      answerRead(p.requestId(), p.from(), p.index());
    }
  }

  private void answerRead(long requestId, long from, long index) {
    if (from == id) {
      outbox.readStates.add(new ReadState(requestId, index));
    } else {
      outbox.send(new ReadIndexResponse(id, from, term, requestId, index));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Membership

  /**
   * The node applied a membership change: progress follows the new membership (new members are
   * probed at once), and a leader that removed itself steps down.
   */
  void membershipChanged() {
    ConfState conf = node.conf;
    progress.keySet().removeIf(member -> !conf.contains(member));
    List<Long> added = new ArrayList<>();
    for (long member : conf.all()) {
      Progress pr;
      pr = progress.get(member);
      if (pr == null) {
        pr = newProgress(member, log.lastIndex() + 1);
        progress.put(member, pr);
        added.add(member);
      }
      pr.learner = conf.learners().contains(member);
    }
    if (!conf.voters().contains(id)) {
      stepDownAfterRemoval();
      return;
    }
    if (maybeCommit()) {
      bcastAppend();
    }
    for (long member : added) {
      sendAppend(member, true); // start probing a new member at once
    }
  }

  /**
   * This leader applied its own removal: it hands over to the most up-to-date voter at once, so the
   * cluster need not wait an election timeout, and stops leading.
   */
  private void stepDownAfterRemoval() {
    long best = 0;
    long bestMatch = -1;
    for (long v : node.conf.voters()) {
      Progress pr = progress.get(v);
      if (pr != null && pr.match > bestMatch) {
        best = v;
        bestMatch = pr.match;
      }
    }
    if (best != 0) {
      outbox.send(new TimeoutNow(id, best, term));
    }
    node.becomeFollower(term, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Observation

  /** Every member's progress, by member id, for {@link RaftNode#status()}. */
  Map<Long, ProgressStatus> progressStatus() {
    Map<Long, ProgressStatus> out = new TreeMap<>();
    for (Map.Entry<Long, Progress> e : progress.entrySet()) {
      Progress p = e.getValue();
      out.put(
          e.getKey(),
          new ProgressStatus(
              p.match,
              p.next,
              p.state,
              p.inflights.count(),
              p.recentActive || p.activeLastWindow,
              p.learner));
    }
    return out;
  }
}

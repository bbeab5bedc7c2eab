package dev.raftkv.raft;

import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.HeartbeatResponse;
import dev.raftkv.raft.Message.Propose;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * One Raft member's algorithm, as a deterministic state machine in the style of etcd's RawNode.
 *
 * <p>The caller drives it from one thread: {@link #tick()} on a timer, {@link #step(Message)} for
 * each message received, {@link #propose(byte[])} for new data; then, while {@link #hasReady()},
 * takes a {@link Ready}, does what it says (persist, send, apply) and calls {@link
 * #advance(Ready)}. The node does no I/O, reads no clock, starts no thread, and draws randomness
 * only from the {@link Random} it is given, so the same inputs always give the same outputs.
 *
 * <p>Not thread-safe. {@link #step}, {@link #tick} and {@link #propose} may be called between
 * {@link #ready()} and {@link #advance}, but a second {@link #ready()} must wait for the advance.
 */
public final class RaftNode {
  private final RaftConfig config;
  private final Random random;
  private final RaftLog log;
  private final long id;

  // Persistent state (paper Figure 2), persisted through Ready.hardState.
  private long term;
  private long vote;

  private Role role = Role.FOLLOWER;

  /** The leader of {@link #term}, 0 while none is known. */
  private long lead;

  private ConfState conf;

  /** Ticks since the last election timeout reset (for a leader: since the last quorum check). */
  private int electionElapsed;

  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  /** Votes received in the current (pre-)campaign, by member. */
  private final Map<Long, Boolean> votes = new HashMap<>();

  /** Exists only while this node leads. */
  private LeaderState leader;

  private final List<Message> msgs = new ArrayList<>();
  private final List<Message> msgsAfterPersist = new ArrayList<>();

  /** A candidate's own vote, counted once its hard state is durable; -1 for none. */
  private long selfVotePendingTerm = -1;

  private HardState prevHardState;
  private Ready inFlight;
  private long inFlightSelfVoteTerm = -1;

  /**
   * Creates a node from what {@code storage} holds. A node with an empty hard state starts as a
   * follower in term 0 with the membership storage reports; a restarted one resumes its term, vote
   * and commit index.
   */
  public RaftNode(RaftConfig config, Storage storage, Random random) {
    this.config = Objects.requireNonNull(config, "config");
    this.random = Objects.requireNonNull(random, "random");
    this.id = config.id();
    this.log = new RaftLog(storage);
    Storage.InitialState init = storage.initialState();
    this.conf = init.conf();
    HardState hs = init.hardState();
    this.term = hs.term();
    this.vote = hs.vote();
    log.restoreCommit(hs.commit());
    this.prevHardState = hs;
    becomeFollower(term, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  /**
   * Advances logical time by one tick: followers and candidates count toward an election; a leader
   * counts toward its next heartbeat and its next CheckQuorum.
   */
  public void tick() {
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      tickElection();
    }
  }

  /** Starts a (pre-)campaign now, as if the election timeout had passed. */
  public void campaign() {
    hup(false);
  }

  /**
   * Proposes data to be appended to the log. On the leader it is appended at once; on a follower it
   * is forwarded to the leader. Acceptance does not mean commitment: the application learns of it
   * when the entry comes back in {@link Ready#committedEntries()} (proposals can be lost with a
   * leader change, so callers identify their entries in the data and time out).
   *
   * @throws ProposalRejectedException with {@link ProposalRejectedException.Reason#NO_LEADER} if no
   *     leader is known, or another reason the proposal cannot be taken now
   */
  public void propose(byte[] data) {
    proposeEntries(List.of(new Entry(0, 0, EntryType.NORMAL, data)));
  }

  /**
   * Proposes several items at once: they are appended together and leave in shared append messages
   * (batching), in the order given. Same contract as {@link #propose(byte[])}.
   *
   * @throws ProposalRejectedException if none can be taken now
   */
  public void proposeAll(List<byte[]> data) {
    List<Entry> entries = new ArrayList<>(data.size());
    for (byte[] d : data) {
      entries.add(new Entry(0, 0, EntryType.NORMAL, d));
    }
    proposeEntries(entries);
  }

  private void proposeEntries(List<Entry> entries) {
    switch (role) {
      case LEADER -> appendProposals(entries);
      case FOLLOWER -> {
        if (lead == 0) {
          throw new ProposalRejectedException(
              ProposalRejectedException.Reason.NO_LEADER, 0, "no leader in term " + term);
        }
        send(new Propose(id, lead, 0, entries));
      }
      default ->
          throw new ProposalRejectedException(
              ProposalRejectedException.Reason.NO_LEADER, 0, "no leader: election in progress");
    }
  }

  /**
   * Handles a message from a peer. Messages for another member, or from a stale term, are dropped
   * or answered as the protocol says; nothing here throws for bad timing.
   */
  public void step(Message m) {
    if (m.to() != id) {
      return;
    }
    if (m.term() == 0) {
      // A forwarded proposal: no term check.
      if (m instanceof Propose p) {
        stepPropose(p);
      }
      return;
    }
    if (m.term() > term) {
      if (m instanceof VoteRequest v) {
        boolean inLease =
            config.checkQuorum() && lead != 0 && electionElapsed < config.electionTickMin();
        if (!v.transfer() && inLease) {
          // Thesis §4.2.3: a member that hears from a current leader ignores RequestVote, so a
          // removed or partitioned member cannot disrupt the cluster.
          return;
        }
        if (!v.preVote()) {
          becomeFollower(m.term(), 0);
        }
      } else if (m instanceof VoteResponse r && r.preVote() && r.granted()) {
        // A granted PreVote carries the future term; we move there only if we win.
      } else if (m instanceof AppendRequest || m instanceof Heartbeat) {
        becomeFollower(m.term(), m.from());
      } else {
        becomeFollower(m.term(), 0);
      }
    } else if (m.term() < term) {
      if ((config.checkQuorum() || config.preVote())
          && (m instanceof AppendRequest || m instanceof Heartbeat)) {
        // A stale leader (it may have been partitioned) learns our term and steps down. Without
        // this, a node whose PreVote keeps failing could never get its term raised.
        send(new AppendResponse(id, m.from(), term, 0, false, 0, 0));
      } else if (m instanceof VoteRequest v && v.preVote()) {
        send(new VoteResponse(id, m.from(), term, true, false));
      }
      return;
    }

    if (m instanceof VoteRequest v) {
      handleVoteRequest(v);
      return;
    }
    switch (role) {
      case LEADER -> stepLeader(m);
      case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
      case FOLLOWER -> stepFollower(m);
    }
  }

  private void stepPropose(Propose p) {
    if (role == Role.LEADER) {
      appendProposals(p.entries());
    } else if (role == Role.FOLLOWER && lead != 0 && lead != p.from()) {
      send(new Propose(id, lead, 0, p.entries()));
    }
    // Otherwise dropped: the proposer times out and retries, as with any lost message.
  }

  private void handleVoteRequest(VoteRequest m) {
    boolean canVote =
        vote == m.from()
            || (vote == 0 && lead == 0)
            // A PreVote for a future term is answered on the merits of the log alone.
            || (m.preVote() && m.term() > term);
    if (canVote && log.isUpToDate(m.lastLogIndex(), m.lastLogTerm())) {
      send(new VoteResponse(id, m.from(), m.term(), m.preVote(), true));
      if (!m.preVote()) {
        electionElapsed = 0;
        vote = m.from();
      }
    } else {
      send(new VoteResponse(id, m.from(), term, m.preVote(), false));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Per-role steps

  private void stepFollower(Message m) {
    if (m instanceof AppendRequest a) {
      electionElapsed = 0;
      lead = a.from();
      handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      electionElapsed = 0;
      lead = h.from();
      handleHeartbeat(h);
    }
  }

  private void stepCandidate(Message m) {
    if (m instanceof AppendRequest a) {
      becomeFollower(m.term(), m.from());
      handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      becomeFollower(m.term(), m.from());
      handleHeartbeat(h);
    } else if (m instanceof VoteResponse r && r.preVote() == (role == Role.PRE_CANDIDATE)) {
      poll(r.from(), r.granted());
    }
  }

  private void stepLeader(Message m) {
    if (m instanceof AppendResponse r) {
      handleAppendResponse(r);
    } else if (m instanceof HeartbeatResponse r) {
      handleHeartbeatResponse(r);
    }
    // An AppendRequest or Heartbeat of our own term from someone else cannot happen (one leader
    // per term); VoteResponses from a finished campaign are stale.
  }

  // ---------------------------------------------------------------------------------------------
  // Follower side of replication

  private void handleAppend(AppendRequest m) {
    if (m.prevIndex() < log.committed()) {
      // Everything up to our commit index matches the leader's log already.
      send(new AppendResponse(id, m.from(), term, log.committed(), false, 0, 0));
      return;
    }
    long lastNew = log.maybeAppend(m.prevIndex(), m.prevTerm(), m.commit(), m.entries());
    if (lastNew >= 0) {
      send(new AppendResponse(id, m.from(), term, lastNew, false, 0, 0));
      return;
    }
    long[] hint = log.findConflictByTerm(Math.min(m.prevIndex(), log.lastIndex()), m.prevTerm());
    send(new AppendResponse(id, m.from(), term, m.prevIndex(), true, hint[0], hint[1]));
  }

  private void handleHeartbeat(Heartbeat m) {
    // The leader caps a heartbeat's commit at what this follower is known to hold.
    log.commitTo(Math.min(m.commit(), log.lastIndex()));
    send(new HeartbeatResponse(id, m.from(), term, m.context()));
  }

  // ---------------------------------------------------------------------------------------------
  // Leader side of replication

  private void appendProposals(List<Entry> proposals) {
    long index = log.lastIndex();
    List<Entry> ents = new ArrayList<>(proposals.size());
    for (Entry p : proposals) {
      ents.add(new Entry(term, ++index, p.type(), p.data()));
    }
    log.append(ents);
    // The leader's own progress moves when the entries are durable (see advance), never before.
    bcastAppend();
  }

  private void handleAppendResponse(AppendResponse m) {
    Progress pr = leader.progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    if (m.reject()) {
      long nextProbe = m.hintIndex();
      if (m.hintTerm() > 0) {
        // Skip every entry of ours whose term the follower cannot have at that position.
        nextProbe = log.findConflictByTerm(m.hintIndex(), m.hintTerm())[0];
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
    }
  }

  private void handleHeartbeatResponse(HeartbeatResponse m) {
    Progress pr = leader.progress.get(m.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state == ProgressState.REPLICATE && pr.inflights.full()) {
      pr.inflights.freeFirstOne();
    }
    if (pr.match < log.lastIndex() || pr.state == ProgressState.PROBE) {
      sendAppend(m.from(), true);
    }
  }

  private void bcastAppend() {
    for (long peer : leader.progress.keySet()) {
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
      if (leader.progress.get(to).state != ProgressState.REPLICATE) {
        break;
      }
    }
  }

  private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
    Progress pr = leader.progress.get(to);
    if (pr.isPaused()) {
      return false;
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
    send(new AppendRequest(id, to, term, prevIndex, prevTerm, ents, log.committed()));
    long last = ents.isEmpty() ? prevIndex : ents.get(ents.size() - 1).index();
    pr.sentEntries(ents.size(), last, bytes);
    return true;
  }

  private void bcastHeartbeat() {
    for (Map.Entry<Long, Progress> e : leader.progress.entrySet()) {
      long peer = e.getKey();
      if (peer != id) {
        long commit = Math.min(e.getValue().match, log.committed());
        send(new Heartbeat(id, peer, term, commit, 0));
      }
    }
  }

  /**
   * Advances the commit index to the highest index a majority holds, if that entry is of the
   * current term (paper §5.4.2: older entries commit only indirectly, Figure 8).
   */
  private boolean maybeCommit() {
    long index = Quorum.committedIndex(conf.voters(), leader.progress);
    if (index > log.committed() && index != Long.MAX_VALUE && log.term(index) == term) {
      log.commitTo(index);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Elections

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      hup(false);
    }
  }

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= config.electionTickMin()) {
      electionElapsed = 0;
      if (config.checkQuorum() && !quorumActive()) {
        // Thesis §6.2: a leader that cannot reach a quorum steps down, so clients go elsewhere.
        becomeFollower(term, 0);
        return;
      }
      for (Map.Entry<Long, Progress> e : leader.progress.entrySet()) {
        e.getValue().recentActive = e.getKey() == id;
      }
    }
    if (heartbeatElapsed >= config.heartbeatTick()) {
      heartbeatElapsed = 0;
      bcastHeartbeat();
    }
  }

  private boolean quorumActive() {
    int active = 0;
    for (long v : conf.voters()) {
      Progress pr = leader.progress.get(v);
      if (v == id || (pr != null && pr.recentActive)) {
        active++;
      }
    }
    return active >= Quorum.majority(conf.voters().size());
  }

  private boolean promotable() {
    return conf.voters().contains(id);
  }

  private void hup(boolean transfer) {
    if (role == Role.LEADER || !promotable()) {
      return;
    }
    if (config.preVote() && !transfer) {
      becomePreCandidate();
      sendVoteRequests(term + 1, true, false);
      poll(id, true);
    } else {
      startElection(transfer);
    }
  }

  private void startElection(boolean transfer) {
    becomeCandidate();
    // Vote requests go out only after our term and self-vote are durable (see send()), and the
    // self-vote counts from then on: a node must never vote twice in one term across a crash.
    selfVotePendingTerm = term;
    sendVoteRequests(term, false, transfer);
  }

  private void sendVoteRequests(long voteTerm, boolean preVote, boolean transfer) {
    for (long peer : conf.voters()) {
      if (peer != id) {
        send(
            new VoteRequest(
                id, peer, voteTerm, log.lastIndex(), log.lastTerm(), preVote, transfer));
      }
    }
  }

  private void poll(long from, boolean granted) {
    votes.putIfAbsent(from, granted);
    switch (Quorum.voteResult(conf.voters(), votes)) {
      case WON -> {
        if (role == Role.PRE_CANDIDATE) {
          startElection(false);
        } else {
          becomeLeader();
          bcastAppend();
        }
      }
      case LOST -> becomeFollower(term, 0);
      case PENDING -> {}
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Role transitions

  private void reset(long newTerm) {
    if (newTerm != term) {
      term = newTerm;
      vote = 0;
    }
    lead = 0;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    randomizedElectionTimeout =
        config.electionTickMin()
            + random.nextInt(config.electionTickMax() - config.electionTickMin());
    votes.clear();
    leader = null;
    selfVotePendingTerm = -1;
  }

  private void becomeFollower(long newTerm, long newLead) {
    reset(newTerm);
    role = Role.FOLLOWER;
    lead = newLead;
  }

  private void becomePreCandidate() {
    // PreVote changes neither term nor vote (thesis §9.6), only the role.
    votes.clear();
    lead = 0;
    role = Role.PRE_CANDIDATE;
  }

  private void becomeCandidate() {
    reset(term + 1);
    vote = id;
    role = Role.CANDIDATE;
  }

  private void becomeLeader() {
    reset(term);
    role = Role.LEADER;
    lead = id;
    leader = new LeaderState();
    long last = log.lastIndex();
    for (long member : conf.all()) {
      Progress pr =
          new Progress(
              0,
              last + 1,
              config.maxInflight(),
              config.maxInflightBytes(),
              conf.learners().contains(member));
      leader.progress.put(member, pr);
    }
    Progress self = leader.progress.get(id);
    self.match = log.stableIndex();
    self.becomeReplicate();
    self.recentActive = true;
    // Paper §8: a new leader commits an entry of its own term at once, which also commits every
    // earlier entry of its log.
    log.append(List.of(new Entry(term, last + 1, EntryType.NORMAL, null)));
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /**
   * Queues {@code m}. Messages that promise durable state (votes, append acknowledgements, vote
   * requests that rest on our own durable vote) wait for the next persist.
   */
  private void send(Message m) {
    boolean afterPersist =
        m instanceof AppendResponse
            || (m instanceof VoteResponse r && !r.preVote())
            || (m instanceof VoteRequest v && !v.preVote());
    (afterPersist ? msgsAfterPersist : msgs).add(m);
  }

  private HardState hardState() {
    return new HardState(term, vote, log.committed());
  }

  /** Whether {@link #ready()} has anything to hand out. */
  public boolean hasReady() {
    if (inFlight != null) {
      return false;
    }
    return !msgs.isEmpty()
        || !msgsAfterPersist.isEmpty()
        || log.hasUnstable()
        || log.hasNextCommitted()
        || selfVotePendingTerm >= 0
        || !hardState().equals(prevHardState);
  }

  /**
   * Hands out what must be done now (see {@link Ready} for the order). The messages are removed
   * from the node; the entries stay unstable until {@link #advance(Ready)}.
   *
   * @throws IllegalStateException if the previous Ready has not been advanced
   */
  public Ready ready() {
    if (inFlight != null) {
      throw new IllegalStateException("ready() called again before advance()");
    }
    HardState hs = hardState();
    HardState changed = hs.equals(prevHardState) ? null : hs;
    boolean mustSync =
        log.hasUnstable()
            || (changed != null
                && (hs.term() != prevHardState.term() || hs.vote() != prevHardState.vote()));
    Ready rd =
        new Ready(
            changed,
            log.unstableEntries(),
            msgs,
            msgsAfterPersist,
            log.nextCommitted(config.maxApplyBytes()),
            mustSync);
    msgs.clear();
    msgsAfterPersist.clear();
    prevHardState = hs;
    inFlightSelfVoteTerm = selfVotePendingTerm;
    selfVotePendingTerm = -1;
    inFlight = rd;
    return rd;
  }

  /**
   * Acknowledges that {@code rd} was carried out: its entries and hard state are durable, its
   * messages sent, its committed entries applied (or queued for applying in order).
   *
   * @throws IllegalStateException if {@code rd} is not the Ready last handed out
   */
  public void advance(Ready rd) {
    if (rd != inFlight || rd == null) {
      throw new IllegalStateException("advance() with a Ready that is not the one handed out");
    }
    inFlight = null;
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      log.stableTo(last.index(), last.term());
    }
    if (!rd.committedEntries().isEmpty()) {
      log.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
    }
    if (inFlightSelfVoteTerm == term && role == Role.CANDIDATE) {
      inFlightSelfVoteTerm = -1;
      poll(id, true);
    }
    inFlightSelfVoteTerm = -1;
    if (role == Role.LEADER) {
      Progress self = leader.progress.get(id);
      if (self != null && self.maybeUpdate(log.stableIndex()) && maybeCommit()) {
        bcastAppend();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Observation

  /** The node's member id. */
  public long id() {
    return id;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  /** The commit index. */
  public long commitIndex() {
    return log.committed();
  }

  /** The leader known in the current term, or 0 if none. */
  public long leader() {
    return lead;
  }

  /** The current state, for observers; cheap enough to call after every step in tests. */
  public Status status() {
    Map<Long, ProgressStatus> progress = new TreeMap<>();
    if (leader != null) {
      for (Map.Entry<Long, Progress> e : leader.progress.entrySet()) {
        Progress p = e.getValue();
        progress.put(
            e.getKey(),
            new ProgressStatus(
                p.match, p.next, p.state, p.inflights.count(), p.recentActive, p.learner));
      }
    }
    return new Status(
        id,
        role,
        term,
        vote,
        lead,
        log.committed(),
        log.applied(),
        log.lastIndex(),
        conf,
        Collections.unmodifiableMap(progress));
  }

  /** The term of the entry at {@code index} in this node's log, or 0 if it has none there. */
  public long termAt(long index) {
    return log.term(index);
  }

  /** Entries in {@code [lo, hi)} of this node's log (durable and unstable), for observers. */
  public List<Entry> entries(long lo, long hi) {
    return log.slice(lo, Math.min(hi, log.lastIndex() + 1), Long.MAX_VALUE);
  }

  /** The first index still in the log. */
  public long firstIndex() {
    return log.firstIndex();
  }

  /** The last index in the log, durable or not. */
  public long lastIndex() {
    return log.lastIndex();
  }

  /** The leader-only state: created by becomeLeader, dropped by any other transition. */
  private static final class LeaderState {
    /** Every member's progress, this node's own included (its match is its durable index). */
    final Map<Long, Progress> progress = new TreeMap<>();
  }
}

package dev.raftkv.raft;

import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.InstallSnapshot;
import dev.raftkv.raft.Message.Propose;
import dev.raftkv.raft.Message.ReadIndexRequest;
import dev.raftkv.raft.Message.ReadIndexResponse;
import dev.raftkv.raft.Message.TimeoutNow;
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
 * each message received, {@link #propose(byte[])} and the other requests for new work; then, while
 * {@link #hasReady()}, takes a {@link Ready}, does what it says (persist, send, apply) and calls
 * {@link #advance(Ready)}. The node does no I/O, reads no clock, starts no thread, and draws
 * randomness only from the {@link Random} it is given, so the same inputs always give the same
 * outputs.
 *
 * <p>Not thread-safe. {@link #step}, {@link #tick} and the requests may be called between {@link
 * #ready()} and {@link #advance}, but a second {@link #ready()} must wait for the advance.
 *
 * <p>Membership changes take effect on each member when it applies them (at {@link #advance}), one
 * at a time. The membership reported by {@link Storage#initialState()} must be the one in force at
 * the storage's first index minus one (the snapshot's); later changes are re-applied as the log is.
 */
public final class RaftNode {
  // Fields without an access modifier are shared with Leader and Follower, which read them
  // directly. Only this class changes the term; the parts write only conf (Follower, installing a
  // snapshot) and electionElapsed (Leader: CheckQuorum and transfer timing).

  final RaftConfig config;
  private final Random random;
  final RaftLog log;
  final long id;

  // Persistent state (paper Figure 2), persisted through Ready.hardState.
  long term;
  private long vote;

  private Role role = Role.FOLLOWER;

  /** The leader of {@link #term}, 0 while none is known. */
  private long lead;

  ConfState conf;

  /** Ticks since the node was created: the node's own clock, for the lease. */
  long tickCount;

  /** Ticks since the last election timeout reset (for a leader: since the last quorum check). */
  int electionElapsed;

  private int randomizedElectionTimeout;

  /** Votes received in the current (pre-)campaign, by member. */
  private final Map<Long, Boolean> votes = new HashMap<>();

  /** The leader side; exists only while this node leads. */
  private Leader leader;

  /** The follower side of replication (it keeps a partly received snapshot across terms). */
  private final Follower follower;

  /** Messages and read states for the next Ready. */
  final Outbox outbox = new Outbox();

  private long pendingCompact;

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
    this(config, storage, random, 0);
  }

  /**
   * Creates a node whose state machine has already applied up to {@code applied} (it persists
   * itself): committed entries are handed out from {@code applied + 1}. An {@code applied} above
   * the persisted commit index raises it (those entries were committed); one outside the log is
   * clamped into range.
   */
  public RaftNode(RaftConfig config, Storage storage, Random random, long applied) {
    this.config = Objects.requireNonNull(config, "config");
    this.random = Objects.requireNonNull(random, "random");
    this.id = config.id();
    this.log = new RaftLog(storage);
    this.follower = new Follower(this);
    Storage.InitialState init = storage.initialState();
    this.conf = init.conf();
    HardState hs = init.hardState();
    this.term = hs.term();
    this.vote = hs.vote();
    log.restoreCommit(hs.commit());
    if (applied > log.committed() && applied <= log.lastIndex()) {
      // The state machine applied entries whose commit the hard state had not recorded yet (a
      // commit-only change is not synced): they were committed all the same.
      log.restoreCommit(applied);
    }
    long start = Math.min(Math.max(applied, log.applied()), log.committed());
    if (start > log.applied()) {
      // The state machine already applied these: so did their membership changes, which the
      // membership storage reports (as of the first index minus one) does not include yet.
      for (Entry e : log.slice(log.applied() + 1, start + 1, Long.MAX_VALUE)) {
        if (e.type() == EntryType.CONF_CHANGE) {
          try {
            conf = ConfChange.decode(e.data()).applyTo(conf);
          } catch (IllegalArgumentException invalid) {
            // a no-op everywhere
          }
        }
      }
      log.appliedTo(start);
    }
    this.prevHardState = hs;
    becomeFollower(term, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  /**
   * Advances logical time by one tick: followers and candidates count toward an election; a leader
   * counts toward its next heartbeat, its next CheckQuorum and the end of a transfer.
   */
  public void tick() {
    tickCount++;
    if (role == Role.LEADER) {
      leader.tick();
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
   *     leader is known, {@link ProposalRejectedException.Reason#LEADERSHIP_TRANSFER} while the
   *     leader hands over leadership
   */
  public void propose(byte[] data) {
    proposeEntries(List.of(new Entry(0, 0, EntryType.NORMAL, data)));
  }

  /**
   * Proposes several items at once: they are appended together and leave in shared append messages
   * (batching), in the order given. Same contract as {@link #propose(byte[])}.
   */
  public void proposeAll(List<byte[]> data) {
    List<Entry> entries = new ArrayList<>(data.size());
    for (byte[] d : data) {
      entries.add(new Entry(0, 0, EntryType.NORMAL, d));
    }
    proposeEntries(entries);
  }

  /**
   * Proposes a membership change. It takes effect on each member when applied.
   *
   * @throws ProposalRejectedException as {@link #propose(byte[])}, or with {@link
   *     ProposalRejectedException.Reason#CONF_CHANGE_PENDING} if this leader has a change not yet
   *     applied
   */
  public void proposeConfChange(ConfChange change) {
    proposeEntries(List.of(new Entry(0, 0, EntryType.CONF_CHANGE, change.encode())));
  }

  private void proposeEntries(List<Entry> entries) {
    switch (role) {
      case LEADER -> leader.propose(entries);
      case FOLLOWER -> {
        if (lead == 0) {
          throw noLeader();
        }
        outbox.send(new Propose(id, lead, 0, entries));
      }
      default -> throw noLeader();
    }
  }

  private ProposalRejectedException noLeader() {
    return new ProposalRejectedException(
        ProposalRejectedException.Reason.NO_LEADER,
        0,
        role == Role.FOLLOWER ? "no leader in term " + term : "no leader: election in progress");
  }

  /**
   * Asks for a linearizable read (ReadIndex, thesis §6.4). The answer comes as a {@link ReadState}
   * with this {@code requestId} in a later {@link Ready}, once leadership is confirmed (or, with
   * lease reads, at once while the lease holds). A read may be lost with a leader change; callers
   * time out and retry.
   *
   * @throws ProposalRejectedException with {@link ProposalRejectedException.Reason#NO_LEADER} if no
   *     leader is known
   */
  public void readIndex(long requestId) {
    switch (role) {
      case LEADER -> leader.read(requestId, id);
      case FOLLOWER -> {
        if (lead == 0) {
          throw noLeader();
        }
        outbox.send(new ReadIndexRequest(id, lead, 0, requestId));
      }
      default -> throw noLeader();
    }
  }

  /**
   * Hands leadership to {@code target} (thesis §3.10): proposals are refused meanwhile, the target
   * is brought up to date and told to campaign at once. If it has not taken over within an election
   * timeout the transfer is abandoned and this leader carries on.
   *
   * @throws IllegalStateException if this node is not the leader
   * @throws IllegalArgumentException if {@code target} is not a voter
   */
  public void transferLeadership(long target) {
    if (role != Role.LEADER) {
      throw new IllegalStateException("only the leader can transfer leadership; leader is " + lead);
    }
    if (target == id) {
      return;
    }
    if (!conf.voters().contains(target)) {
      throw new IllegalArgumentException("member " + target + " is not a voter");
    }
    leader.transfer(target);
  }

  /**
   * Tells the node that the application took a snapshot covering the log up to {@code index} (and
   * stored it, so {@link Storage#snapshot()} returns it). A later {@link Ready#compactTo()} says
   * how far the log may then be compacted, keeping {@link RaftConfig#snapshotTrailingEntries()}
   * entries below the snapshot for slow followers.
   */
  public void snapshotTaken(long index) {
    long to = Math.min(index, log.applied()) - config.snapshotTrailingEntries();
    if (to > log.firstIndex() - 1 && to > pendingCompact) {
      pendingCompact = to;
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
      stepLocal(m);
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
      } else if (m instanceof AppendRequest
          || m instanceof Heartbeat
          || m instanceof InstallSnapshot) {
        becomeFollower(m.term(), m.from());
      } else {
        becomeFollower(m.term(), 0);
      }
    } else if (m.term() < term) {
      if ((config.checkQuorum() || config.preVote())
          && (m instanceof AppendRequest || m instanceof Heartbeat)) {
        // A stale leader (it may have been partitioned) learns our term and steps down. Without
        // this, a node whose PreVote keeps failing could never get its term raised.
        outbox.send(new AppendResponse(id, m.from(), term, 0, false, 0, 0));
      } else if (m instanceof VoteRequest v && v.preVote()) {
        outbox.send(new VoteResponse(id, m.from(), term, true, false));
      }
      return;
    }

    if (m instanceof VoteRequest v) {
      handleVoteRequest(v);
      return;
    }
    switch (role) {
      case LEADER -> leader.step(m);
      case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
      case FOLLOWER -> stepFollower(m);
    }
  }

  /** Messages forwarded without a term: proposals and read requests. */
  private void stepLocal(Message m) {
    if (m instanceof Propose p) {
      if (role == Role.LEADER) {
        if (leader.transferee == 0) {
          leader.appendProposals(p.entries());
        }
      } else if (role == Role.FOLLOWER && lead != 0 && lead != p.from()) {
        outbox.send(new Propose(id, lead, 0, p.entries()));
      }
    } else if (m instanceof ReadIndexRequest r) {
      if (role == Role.LEADER) {
        leader.read(r.requestId(), r.from());
      } else if (role == Role.FOLLOWER && lead != 0 && lead != r.from()) {
        outbox.send(new ReadIndexRequest(id, lead, 0, r.requestId()));
      }
    }
    // Otherwise dropped: the requester times out and retries, as with any lost message.
  }

  private void handleVoteRequest(VoteRequest m) {
    // Thesis §9.6: no pre-vote while we hear from a leader (a leader hears from itself), so a
    // member that rejoins cannot depose a healthy leader even without CheckQuorum.
    boolean heardFromLeader = lead != 0 && electionElapsed < config.electionTickMin();
    boolean canVote =
        vote == m.from()
            || (vote == 0 && lead == 0)
            // Otherwise a PreVote for a future term is answered on the merits of the log.
            || (m.preVote() && m.term() > term && !heardFromLeader);
    if (canVote && log.isUpToDate(m.lastLogIndex(), m.lastLogTerm())) {
      outbox.send(new VoteResponse(id, m.from(), m.term(), m.preVote(), true));
      if (!m.preVote()) {
        electionElapsed = 0;
        vote = m.from();
      }
    } else {
      outbox.send(new VoteResponse(id, m.from(), term, m.preVote(), false));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Per-role steps

  private void stepFollower(Message m) {
    if (m instanceof AppendRequest a) {
      heardFromLeader(a.from());
      follower.handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      heardFromLeader(h.from());
      follower.handleHeartbeat(h);
    } else if (m instanceof InstallSnapshot s) {
      heardFromLeader(s.from());
      follower.handleSnapshot(s);
    } else if (m instanceof TimeoutNow) {
      // Leadership transfer: campaign at once, past PreVote and the others' leases.
      hup(true);
    } else if (m instanceof ReadIndexResponse r) {
      outbox.readStates.add(new ReadState(r.requestId(), r.index()));
    }
  }

  private void heardFromLeader(long from) {
    electionElapsed = 0;
    lead = from;
  }

  private void stepCandidate(Message m) {
    if (m instanceof AppendRequest a) {
      becomeFollower(m.term(), m.from());
      follower.handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      becomeFollower(m.term(), m.from());
      follower.handleHeartbeat(h);
    } else if (m instanceof InstallSnapshot s) {
      becomeFollower(m.term(), m.from());
      follower.handleSnapshot(s);
    } else if (m instanceof VoteResponse r && r.preVote() == (role == Role.PRE_CANDIDATE)) {
      poll(r.from(), r.granted());
    }
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

  private boolean promotable() {
    return conf.voters().contains(id) && log.pendingSnapshot() == null;
  }

  private void hup(boolean transfer) {
    if (role == Role.LEADER || !promotable() || hasUnappliedConfChange()) {
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

  /**
   * Whether a committed membership change is not applied yet: the node must not campaign with a
   * membership it is about to leave behind.
   */
  private boolean hasUnappliedConfChange() {
    if (log.committed() <= log.applied()) {
      return false;
    }
    for (Entry e : log.slice(log.applied() + 1, log.committed() + 1, Long.MAX_VALUE)) {
      if (e.type() == EntryType.CONF_CHANGE) {
        return true;
      }
    }
    return false;
  }

  private void startElection(boolean transfer) {
    becomeCandidate();
    // Vote requests go out only after our term and self-vote are durable (see Outbox.send), and the
    // self-vote counts from then on: a node must never vote twice in one term across a crash.
    selfVotePendingTerm = term;
    sendVoteRequests(term, false, transfer);
  }

  private void sendVoteRequests(long voteTerm, boolean preVote, boolean transfer) {
    for (long peer : conf.voters()) {
      if (peer != id) {
        outbox.send(
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
          leader.bcastAppend();
        }
      }
      case LOST -> becomeFollower(term, 0);
      case PENDING -> {}
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Membership

  private void applyConfChange(Entry e) {
    ConfState next;
    try {
      next = ConfChange.decode(e.data()).applyTo(conf);
    } catch (IllegalArgumentException invalid) {
      return; // A change that cannot apply (e.g. demoting a voter) is a no-op everywhere.
    }
    conf = next;
    if (leader != null) {
      leader.membershipChanged();
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
    randomizedElectionTimeout =
        config.electionTickMin()
            + random.nextInt(config.electionTickMax() - config.electionTickMin());
    votes.clear();
    leader = null;
    selfVotePendingTerm = -1;
  }

  void becomeFollower(long newTerm, long newLead) {
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
    leader = new Leader(this);
    long last = log.lastIndex();
    // Paper §8: a new leader commits an entry of its own term at once, which also commits every
    // earlier entry of its log; no membership change is accepted before it is applied.
    log.append(List.of(new Entry(term, last + 1, EntryType.NORMAL, null)));
    leader.pendingConfIndex = last + 1;
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  private HardState hardState() {
    return new HardState(term, vote, log.committed());
  }

  /** Whether {@link #ready()} has anything to hand out. */
  public boolean hasReady() {
    if (inFlight != null) {
      return false;
    }
    return !outbox.isEmpty()
        || log.hasUnstable()
        || log.pendingSnapshot() != null
        || log.hasNextCommitted()
        || selfVotePendingTerm >= 0
        || pendingCompact > 0
        || (leader != null && leader.readOnly.roundWanted())
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
    if (leader != null && leader.readOnly.roundWanted()) {
      // One heartbeat round for every read that arrived since the last Ready.
      leader.bcastHeartbeat();
    }
    HardState hs = hardState();
    HardState changed = hs.equals(prevHardState) ? null : hs;
    Snapshot snap = log.pendingSnapshot();
    boolean mustSync =
        log.hasUnstable()
            || snap != null
            || (changed != null
                && (hs.term() != prevHardState.term() || hs.vote() != prevHardState.vote()));
    Ready rd =
        new Ready(
            changed,
            snap == null ? Snapshot.EMPTY : snap,
            log.unstableEntries(),
            outbox.messages,
            outbox.afterPersist,
            log.nextCommitted(config.maxApplyBytes()),
            outbox.readStates,
            pendingCompact,
            mustSync);
    outbox.clear();
    pendingCompact = 0;
    prevHardState = hs;
    inFlightSelfVoteTerm = selfVotePendingTerm;
    selfVotePendingTerm = -1;
    inFlight = rd;
    return rd;
  }

  /**
   * Acknowledges that {@code rd} was carried out: its snapshot, entries and hard state are durable,
   * its messages sent, its committed entries applied (or queued for applying in order). Membership
   * changes among the committed entries take effect here.
   *
   * @throws IllegalStateException if {@code rd} is not the Ready last handed out
   */
  // Identity on purpose: the Ready handed out, not an equal one.
  @SuppressWarnings("ReferenceEquality")
  public void advance(Ready rd) {
    if (rd != inFlight || rd == null) {
      throw new IllegalStateException("advance() with a Ready that is not the one handed out");
    }
    inFlight = null;
    if (!rd.snapshot().isEmpty()) {
      log.snapshotInstalled(rd.snapshot().metadata().index());
    }
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      log.stableTo(last.index(), last.term());
    }
    if (!rd.committedEntries().isEmpty()) {
      for (Entry e : rd.committedEntries()) {
        if (e.type() == EntryType.CONF_CHANGE) {
          applyConfChange(e);
        }
      }
      log.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
    }
    if (inFlightSelfVoteTerm == term && role == Role.CANDIDATE) {
      inFlightSelfVoteTerm = -1;
      poll(id, true);
    }
    inFlightSelfVoteTerm = -1;
    if (role == Role.LEADER) {
      leader.selfPersisted();
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

  /** The membership this node follows (changes take effect when applied). */
  public ConfState conf() {
    return conf;
  }

  /** The leader known in the current term, or 0 if none. */
  public long leader() {
    return lead;
  }

  /** The current state, for observers; cheap enough to call after every step in tests. */
  public Status status() {
    Map<Long, ProgressStatus> progress = leader == null ? new TreeMap<>() : leader.progressStatus();
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
        Collections.unmodifiableMap(progress),
        leader == null ? 0 : leader.transferee);
  }

  /** The term of the entry at {@code index} in this node's log, or 0 if it has none there. */
  public long termAt(long index) {
    return log.term(index);
  }

  /**
   * Entries in {@code [lo, hi)} of this node's log (durable and unstable), for observers.
   *
   * @throws CompactedException if {@code lo} is below {@link #firstIndex()}
   */
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
}

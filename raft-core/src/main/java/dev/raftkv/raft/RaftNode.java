package dev.raftkv.raft;

import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.HeartbeatResponse;
import dev.raftkv.raft.Message.InstallSnapshot;
import dev.raftkv.raft.Message.Propose;
import dev.raftkv.raft.Message.ReadIndexRequest;
import dev.raftkv.raft.Message.ReadIndexResponse;
import dev.raftkv.raft.Message.SnapshotResponse;
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

  /** Ticks since the node was created: the node's own clock, for the lease. */
  private long tickCount;

  /** Ticks since the last election timeout reset (for a leader: since the last quorum check). */
  private int electionElapsed;

  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  /** Votes received in the current (pre-)campaign, by member. */
  private final Map<Long, Boolean> votes = new HashMap<>();

  /** Exists only while this node leads. */
  private LeaderState leader;

  private final SnapshotReceiver snapshotReceiver = new SnapshotReceiver();

  private final List<Message> msgs = new ArrayList<>();
  private final List<Message> msgsAfterPersist = new ArrayList<>();
  private final List<ReadState> readStates = new ArrayList<>();
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
      case LEADER -> {
        if (leader.transferee != 0) {
          throw new ProposalRejectedException(
              ProposalRejectedException.Reason.LEADERSHIP_TRANSFER,
              id,
              "leadership is being transferred to " + leader.transferee);
        }
        if (!appendProposals(entries)) {
          throw new ProposalRejectedException(
              ProposalRejectedException.Reason.CONF_CHANGE_PENDING,
              id,
              "a membership change (index " + leader.pendingConfIndex + ") is not applied yet");
        }
      }
      case FOLLOWER -> {
        if (lead == 0) {
          throw noLeader();
        }
        send(new Propose(id, lead, 0, entries));
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
      case LEADER -> handleRead(requestId, id);
      case FOLLOWER -> {
        if (lead == 0) {
          throw noLeader();
        }
        send(new ReadIndexRequest(id, lead, 0, requestId));
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
    if (leader.transferee == target) {
      return;
    }
    leader.transferee = target;
    electionElapsed = 0;
    Progress pr = leader.progress.get(target);
    if (pr.match == log.lastIndex()) {
      send(new TimeoutNow(id, target, term));
    } else {
      sendAppend(target, true);
    }
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

  /** Messages forwarded without a term: proposals and read requests. */
  private void stepLocal(Message m) {
    if (m instanceof Propose p) {
      if (role == Role.LEADER) {
        if (leader.transferee == 0) {
          appendProposals(p.entries());
        }
      } else if (role == Role.FOLLOWER && lead != 0 && lead != p.from()) {
        send(new Propose(id, lead, 0, p.entries()));
      }
    } else if (m instanceof ReadIndexRequest r) {
      if (role == Role.LEADER) {
        handleRead(r.requestId(), r.from());
      } else if (role == Role.FOLLOWER && lead != 0 && lead != r.from()) {
        send(new ReadIndexRequest(id, lead, 0, r.requestId()));
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
      heardFromLeader(a.from());
      handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      heardFromLeader(h.from());
      handleHeartbeat(h);
    } else if (m instanceof InstallSnapshot s) {
      heardFromLeader(s.from());
      handleSnapshot(s);
    } else if (m instanceof TimeoutNow) {
      // Leadership transfer: campaign at once, past PreVote and the others' leases.
      hup(true);
    } else if (m instanceof ReadIndexResponse r) {
      readStates.add(new ReadState(r.requestId(), r.index()));
    }
  }

  private void heardFromLeader(long from) {
    electionElapsed = 0;
    lead = from;
  }

  private void stepCandidate(Message m) {
    if (m instanceof AppendRequest a) {
      becomeFollower(m.term(), m.from());
      handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      becomeFollower(m.term(), m.from());
      handleHeartbeat(h);
    } else if (m instanceof InstallSnapshot s) {
      becomeFollower(m.term(), m.from());
      handleSnapshot(s);
    } else if (m instanceof VoteResponse r && r.preVote() == (role == Role.PRE_CANDIDATE)) {
      poll(r.from(), r.granted());
    }
  }

  private void stepLeader(Message m) {
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

  private void handleSnapshot(InstallSnapshot m) {
    SnapshotMetadata meta = m.metadata();
    if (meta.index() <= log.committed()) {
      // We already hold everything the snapshot covers.
      send(new SnapshotResponse(id, m.from(), term, meta.index(), 0, true));
      return;
    }
    if (log.matchTerm(meta.index(), meta.term())) {
      // Our log already holds the snapshot's last entry, so (Log Matching) everything before it:
      // keep the log, including entries after it that we may have acknowledged, and only learn
      // that the snapshot's index is committed. Restoring would drop acknowledged entries.
      snapshotReceiver.reset();
      log.commitTo(meta.index());
      send(new SnapshotResponse(id, m.from(), term, meta.index(), 0, true));
      return;
    }
    Snapshot full = snapshotReceiver.accept(log.storage(), meta, m.offset(), m.data(), m.last());
    if (full == null) {
      long resume = snapshotReceiver.index() == meta.index() ? snapshotReceiver.received() : 0;
      send(new SnapshotResponse(id, m.from(), term, meta.index(), resume, false));
      return;
    }
    log.restore(full);
    conf = meta.conf();
    // Sent once the snapshot is durable (see send()).
    send(
        new SnapshotResponse(id, m.from(), term, meta.index(), m.offset() + m.data().length, true));
  }

  // ---------------------------------------------------------------------------------------------
  // Leader side of replication

  /** Appends proposals; returns false (appending nothing) if a second conf change would be. */
  private boolean appendProposals(List<Entry> proposals) {
    long index = log.lastIndex();
    long confIndex = 0;
    List<Entry> ents = new ArrayList<>(proposals.size());
    for (Entry p : proposals) {
      if (p.type() == EntryType.CONF_CHANGE) {
        if (leader.pendingConfIndex > log.applied() || confIndex != 0) {
          return false;
        }
        confIndex = index + 1;
      }
      ents.add(new Entry(term, ++index, p.type(), p.data()));
    }
    if (confIndex != 0) {
      leader.pendingConfIndex = confIndex;
    }
    log.append(ents);
    // The leader's own progress moves when the entries are durable (see advance), never before.
    bcastAppend();
    return true;
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
      if (m.from() == leader.transferee && pr.match == log.lastIndex()) {
        send(new TimeoutNow(id, m.from(), term));
      }
    }
  }

  private void handleHeartbeatResponse(HeartbeatResponse m) {
    Progress pr = leader.progress.get(m.from());
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
      // No chunk acknowledged for a heartbeat interval: one was probably lost, so resend the
      // chunk the follower needs next (never from zero), one chunk only: its acknowledgement
      // brings the rest of the window. At most once per interval: resending the whole window at
      // every heartbeat, or a chunk at every answer (a heartbeat round per batch of reads), piled
      // up copies behind a slow follower until the leader ran out of heap.
      if (tickCount - pr.snapshotActiveTick >= config.heartbeatTick()) {
        pr.snapshotActiveTick = tickCount;
        resendSnapshotChunk(m.from(), pr);
      }
    } else if (pr.match < log.lastIndex() || pr.state == ProgressState.PROBE) {
      sendAppend(m.from(), true);
    }
    releaseReads();
  }

  private void handleSnapshotResponse(SnapshotResponse m) {
    Progress pr = leader.progress.get(m.from());
    if (pr == null || pr.state != ProgressState.SNAPSHOT) {
      return;
    }
    pr.recentActive = true;
    if (m.done()) {
      if (m.snapshotIndex() >= pr.pendingSnapshot) {
        pr.snapshotDone(m.snapshotIndex());
        sendAppend(m.from(), true);
      }
      return;
    }
    if (m.snapshotIndex() == pr.pendingSnapshot && m.nextOffset() != pr.snapshotOffset) {
      // The follower moved on (or, having lost its partial copy, went back): send what it needs
      // next. An answer repeating the offset we know comes from a duplicate and sends nothing.
      if (m.nextOffset() < pr.snapshotOffset) {
        pr.snapshotSent = m.nextOffset();
      }
      pr.snapshotOffset = m.nextOffset();
      pr.snapshotActiveTick = tickCount;
      sendSnapshotChunks(m.from(), pr);
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
    if (pr.next < log.firstIndex()) {
      // What the follower needs next is compacted away: it gets the snapshot instead.
      return startSnapshot(to, pr);
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

  private boolean startSnapshot(long to, Progress pr) {
    Snapshot snap = currentSnapshot();
    if (snap == null) {
      return false;
    }
    long size;
    try {
      size = log.storage().snapshotSize(snap);
    } catch (UnavailableException e) {
      return false; // retried on the next heartbeat response
    }
    pr.becomeSnapshot(snap, size, tickCount);
    sendSnapshotChunks(to, pr);
    return true;
  }

  private Snapshot currentSnapshot() {
    try {
      Snapshot snap = log.storage().snapshot();
      return snap.isEmpty() ? null : snap;
    } catch (UnavailableException e) {
      return null; // being prepared: retried on the next heartbeat response
    }
  }

  /**
   * Sends the snapshot being sent to {@code to}: the chunks after what was already sent, up to a
   * sliding window past what the follower acknowledged of {@code max(4, maxInflight)} chunks, but
   * no more bytes than {@code maxInflightBytes} (at least one chunk).
   */
  private void sendSnapshotChunks(long to, Progress pr) {
    long size = pr.snapshotSize;
    long chunk = config.snapshotChunkBytes();
    long window =
        Math.max(1, Math.min(Math.max(4, config.maxInflight()), config.maxInflightBytes() / chunk));
    long windowEnd = Math.min(size, pr.snapshotOffset + chunk * window);
    long from = Math.max(pr.snapshotSent, pr.snapshotOffset);
    if (from >= size && size > 0) {
      return; // everything is in flight already
    }
    do {
      from = sendSnapshotChunk(to, pr, from);
      if (from < 0) {
        return; // the transfer starts over
      }
    } while (from < windowEnd);
    pr.snapshotSent = Math.max(pr.snapshotSent, from);
  }

  /** Sends again the one chunk the follower needs next; the rest follows its acknowledgement. */
  private void resendSnapshotChunk(long to, Progress pr) {
    long next = sendSnapshotChunk(to, pr, pr.snapshotOffset);
    if (next >= 0) {
      pr.snapshotSent = next;
    }
  }

  /**
   * Sends the chunk that starts at {@code from}; returns where the next one starts, or -1 if the
   * storage no longer has the snapshot's bytes: the follower then goes back to probing, and the
   * next answer from it starts a transfer of the current snapshot.
   */
  private long sendSnapshotChunk(long to, Progress pr, long from) {
    Snapshot snap = pr.snapshot;
    long start = Math.min(from, pr.snapshotSize);
    long end = Math.min(start + config.snapshotChunkBytes(), pr.snapshotSize);
    byte[] chunk;
    try {
      chunk = log.storage().snapshotChunk(snap, start, (int) (end - start));
    } catch (UnavailableException e) {
      pr.becomeProbe();
      return -1;
    }
    if (chunk.length != end - start) {
      throw new IllegalStateException(
          "storage gave "
              + chunk.length
              + " bytes of snapshot "
              + snap.metadata().index()
              + " at offset "
              + start
              + ", expected "
              + (end - start));
    }
    send(new InstallSnapshot(id, to, term, snap.metadata(), start, chunk, end == pr.snapshotSize));
    return end;
  }

  private void bcastHeartbeat() {
    long round = leader.readOnly.nextRound(tickCount);
    for (Map.Entry<Long, Progress> e : leader.progress.entrySet()) {
      long peer = e.getKey();
      if (peer != id) {
        long commit = Math.min(e.getValue().match, log.committed());
        send(new Heartbeat(id, peer, term, commit, round));
      }
    }
    releaseReads();
  }

  /**
   * Advances the commit index to the highest index a majority holds, if that entry is of the
   * current term (paper §5.4.2: older entries commit only indirectly, Figure 8).
   */
  private boolean maybeCommit() {
    long index = Quorum.committedIndex(conf.voters(), leader.progress);
    if (index > log.committed() && index != Long.MAX_VALUE && log.term(index) == term) {
      log.commitTo(index);
      leader.readOnly.ownTermCommitted(index);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  private void handleRead(long requestId, long from) {
    if (log.term(log.committed()) != term) {
      // Thesis §6.4: until it commits an entry of its term, a new leader's commit index may be
      // behind what its predecessor committed.
      leader.readOnly.holdUntilCommit(requestId, from);
      return;
    }
    if (leaseHolds()) {
      answerRead(requestId, from, log.committed());
      return;
    }
    leader.readOnly.add(requestId, from, log.committed());
  }

  /**
   * Whether the lease proves no other leader can exist now: lease reads are on, no transfer is
   * under way, and a quorum answered a heartbeat sent less than {@code electionTickMin -
   * leaseDriftTicks} ticks ago (members refuse votes for {@code electionTickMin} after hearing from
   * a leader).
   */
  private boolean leaseHolds() {
    return config.leaseRead()
        && leader.transferee == 0
        && leader.readOnly.leaseStartTick() != Long.MIN_VALUE
        && tickCount
            < leader.readOnly.leaseStartTick()
                + config.electionTickMin()
                - config.leaseDriftTicks();
  }

  private void releaseReads() {
    for (ReadOnly.Pending p : leader.readOnly.release(conf.voters(), leader.progress, id)) {
      answerRead(p.requestId(), p.from(), p.index());
    }
  }

  private void answerRead(long requestId, long from, long index) {
    if (from == id) {
      readStates.add(new ReadState(requestId, index));
    } else {
      send(new ReadIndexResponse(id, from, term, requestId, index));
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
      // A transfer that did not finish within an election timeout is abandoned.
      leader.transferee = 0;
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
  // Membership

  private void applyConfChange(Entry e) {
    ConfState next;
    try {
      next = ConfChange.decode(e.data()).applyTo(conf);
    } catch (IllegalArgumentException invalid) {
      return; // A change that cannot apply (e.g. demoting a voter) is a no-op everywhere.
    }
    conf = next;
    if (leader == null) {
      return;
    }
    leader.progress.keySet().removeIf(member -> !conf.contains(member));
    List<Long> added = new ArrayList<>();
    for (long member : conf.all()) {
      Progress pr;
      pr = leader.progress.get(member);
      if (pr == null) {
        pr = newProgress(member, log.lastIndex() + 1);
        leader.progress.put(member, pr);
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
    for (long v : conf.voters()) {
      Progress pr = leader.progress.get(v);
      if (pr != null && pr.match > bestMatch) {
        best = v;
        bestMatch = pr.match;
      }
    }
    if (best != 0) {
      send(new TimeoutNow(id, best, term));
    }
    becomeFollower(term, 0);
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

  private Progress newProgress(long member, long next) {
    return new Progress(
        0, next, config.maxInflight(), config.maxInflightBytes(), conf.learners().contains(member));
  }

  private void becomeLeader() {
    reset(term);
    role = Role.LEADER;
    lead = id;
    leader = new LeaderState();
    long last = log.lastIndex();
    for (long member : conf.all()) {
      leader.progress.put(member, newProgress(member, last + 1));
    }
    Progress self = leader.progress.get(id);
    self.match = log.stableIndex();
    self.becomeReplicate();
    self.recentActive = true;
    // Paper §8: a new leader commits an entry of its own term at once, which also commits every
    // earlier entry of its log; no membership change is accepted before it is applied.
    log.append(List.of(new Entry(term, last + 1, EntryType.NORMAL, null)));
    leader.pendingConfIndex = last + 1;
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /**
   * Queues {@code m}. Messages that promise durable state (votes, append acknowledgements, vote
   * requests that rest on our own durable vote, a completed snapshot) wait for the next persist.
   */
  private void send(Message m) {
    boolean afterPersist =
        m instanceof AppendResponse
            || (m instanceof VoteResponse r && !r.preVote())
            || (m instanceof VoteRequest v && !v.preVote())
            || (m instanceof SnapshotResponse s && s.done());
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
        || !readStates.isEmpty()
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
      bcastHeartbeat();
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
            msgs,
            msgsAfterPersist,
            log.nextCommitted(config.maxApplyBytes()),
            readStates,
            pendingCompact,
            mustSync);
    msgs.clear();
    msgsAfterPersist.clear();
    readStates.clear();
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

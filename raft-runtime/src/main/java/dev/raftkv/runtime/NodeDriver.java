package dev.raftkv.runtime;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.LogStore;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The single-threaded logic that drives one {@link RaftNode}, without threads of its own: {@link
 * RaftRuntime} runs it on real threads, the simulator on virtual time.
 *
 * <p>Requests from any thread are queued; {@link #runPending} (always from the same thread, the
 * node loop) steps everything queued, then carries out the node's {@link Ready}: committed entries
 * (durable here and on a quorum already) and read states are handed in order to the apply executor
 * first, so they are applied while the new entries are written (etcd's order); send-now messages go
 * out at once; the entries and hard state are written and synced with <em>one</em> fsync for all of
 * them (group commit: whatever arrived during the previous fsync shares the next one); then the
 * after-persist messages go out. A leader's appends thus overlap its own disk write; votes and
 * acknowledgements leave only once durable.
 *
 * <p>On the apply executor (one thread, or the caller's in a simulation) committed entries are
 * applied to the {@link StateMachine}, the futures of this member's proposals are completed with
 * their results and its reads released, and every {@code snapshotEvery} applied entries the state
 * is captured ({@link StateMachine#captureSnapshot}); the snapshot is made and written on the
 * snapshot executor, then installed by the loop.
 *
 * <p>Proposals carry a 16-byte header (proposing member id, request id) so the member that took
 * them can complete their futures; the state machine sees only the payload. A failed write or fsync
 * stops the driver (fail-stop): every pending and later request fails with that error.
 */
public final class NodeDriver {
  private static final System.Logger LOG = System.getLogger(NodeDriver.class.getName());
  private static final int HEADER = 16;

  private final long id;
  private final RaftNode node;
  private final LogStore store;

  /** What the node reads its log through: a snapshot kept by reference is sent as bytes. */
  private final SnapshotSending sending;

  private final StateMachine stateMachine;
  private final Consumer<Message> outbound;
  private final long snapshotEvery;

  private final LinkedBlockingQueue<Runnable> mailbox = new LinkedBlockingQueue<>();
  private final Executor applier;
  private final Executor snapshotter;

  /** Whether a snapshot is being serialized or written (set by the apply thread). */
  private final java.util.concurrent.atomic.AtomicBoolean snapshotting =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * The next request id. Ids must not repeat across this member's incarnations: an entry proposed
   * by a previous one may commit after a restart, and its (member id, request id) header would then
   * complete the new incarnation's proposal of the same id. So each incarnation starts at a random
   * point of a 62-bit space (as etcd's ids start from the clock), drawn from the node's randomness.
   */
  private final AtomicLong nextRequest;

  private final Map<Long, CompletableFuture<Applied>> proposals = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<Long>> reads = new ConcurrentHashMap<>();
  private final Map<Long, Integer> readAges = new HashMap<>(); // loop thread only

  /** Membership changes asked for here and not yet applied (completed by the apply thread). */
  private final Queue<ConfWaiter> confWaiters = new ConcurrentLinkedQueue<>();

  /** Leadership transfers asked for here, settled by the loop as the node's status moves. */
  private final Queue<TransferWaiter> transfers = new ConcurrentLinkedQueue<>();

  // Apply thread only.
  private final PriorityQueue<ReadWaiter> readsWaitingApply = new PriorityQueue<>();
  private ConfState appliedConf;
  private long lastSnapshotIndex;
  private boolean snapshotPrepared;

  private volatile Status status;
  private volatile long appliedIndex;

  /** Metrics: leaders seen that differ from the last, proposals refused, a restore under way. */
  private final LongAdder leaderChanges = new LongAdder();

  private final LongAdder failedProposals = new LongAdder();
  private volatile boolean restoringSnapshot;
  private volatile boolean closed;
  private volatile RuntimeException failure;

  /** The apply thread's failure, after which it applies nothing more (see onApplyThread). */
  private volatile RuntimeException applyFailure;

  private record ConfWaiter(ConfChange change, CompletableFuture<Void> future) {}

  /** A transfer asked for; {@code asked} once the node took it (loop thread only). */
  private static final class TransferWaiter {
    final long target;
    final CompletableFuture<Void> future = new CompletableFuture<>();
    boolean asked;

    TransferWaiter(long target) {
      this.target = target;
    }
  }

  /** An entry this member proposed: its request id, index and place in the applied batch. */
  private record Mine(long request, long index, int position) {}

  /** A membership change met by the apply thread, and why it changed nothing (or null). */
  private record AppliedChange(ConfChange change, RuntimeException refused) {}

  private record ReadWaiter(long index, CompletableFuture<Long> future)
      implements Comparable<ReadWaiter> {
    @Override
    public int compareTo(ReadWaiter o) {
      return Long.compare(index, o.index);
    }
  }

  /**
   * Creates the driver for member {@code config.id()}, restoring the state machine from the stored
   * snapshot if it is behind it.
   *
   * @param config the Raft configuration
   * @param store the member's log (durable for a real node)
   * @param stateMachine the application
   * @param outbound sends a message to its recipient; must not block and never throws for network
   *     trouble (a lost message is retransmitted by Raft)
   * @param applier runs apply work in submission order (one thread, or directly)
   * @param snapshotEvery applied entries between two snapshots (0: never)
   * @param random the node's randomness (election timeouts)
   */
  public NodeDriver(
      RaftConfig config,
      LogStore store,
      StateMachine stateMachine,
      Consumer<Message> outbound,
      Executor applier,
      long snapshotEvery,
      Random random) {
    this(config, store, stateMachine, outbound, applier, Runnable::run, snapshotEvery, random);
  }

  /**
   * Creates the driver with a thread of its own for snapshots: every {@code snapshotEvery} applied
   * entries the apply thread only captures the state ({@link StateMachine#captureSnapshot}); the
   * bytes are made and written durably ({@link LogStore#writeSnapshot}) on {@code snapshotter}, and
   * the node loop then installs the snapshot and lets the log be compacted. Neither the apply
   * thread nor the loop waits for the write.
   *
   * @param snapshotter runs snapshot serialization and writes (one at a time)
   * @see #NodeDriver(RaftConfig, LogStore, StateMachine, Consumer, Executor, long, Random) the
   *     other parameters
   */
  public NodeDriver(
      RaftConfig config,
      LogStore store,
      StateMachine stateMachine,
      Consumer<Message> outbound,
      Executor applier,
      Executor snapshotter,
      long snapshotEvery,
      Random random) {
    this.snapshotter = Objects.requireNonNull(snapshotter, "snapshotter");
    this.id = config.id();
    this.store = Objects.requireNonNull(store, "store");
    this.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
    this.sending = new SnapshotSending(store, stateMachine);
    this.outbound = Objects.requireNonNull(outbound, "outbound");
    this.applier = Objects.requireNonNull(applier, "applier");
    this.snapshotEvery = snapshotEvery;
    this.nextRequest = new AtomicLong((random.nextLong() >>> 2) + 1);
    Snapshot snap = store.snapshot();
    if (!snap.isEmpty() && stateMachine.appliedIndex() < snap.metadata().index()) {
      stateMachine.restore(snap);
    }
    this.lastSnapshotIndex = snap.metadata().index();
    this.appliedIndex = stateMachine.appliedIndex();
    this.node = new RaftNode(config, sending, random, stateMachine.appliedIndex());
    // The membership as of the applied index, which the node worked out from the log.
    this.appliedConf = node.conf();
    this.status = node.status();
  }

  /**
   * Ticks a read waits for its index before it is asked for again: the request or its answer may be
   * lost (a leader change, a dropped message), and asking again is always safe, since any index
   * confirmed after the read began serves it.
   */
  static final int READ_RETRY_TICKS = 10;

  /** Queues one tick of the node's clock. */
  public void tick() {
    submit(
        () -> {
          node.tick();
          retryReads();
        });
  }

  /** Loop thread: asks again for the index of every read that has waited READ_RETRY_TICKS. */
  private void retryReads() {
    readAges.keySet().retainAll(reads.keySet());
    for (Long req : reads.keySet()) {
      int age = readAges.merge(req, 1, Integer::sum);
      if (age % READ_RETRY_TICKS == 0) {
        try {
          node.readIndex(req);
        } catch (RuntimeException noLeaderYet) {
          // asked again at the next retry; the caller's own timeout bounds the wait
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Requests (any thread)

  /** Hands a message from a peer to the node. Never blocks. */
  public void deliver(Message m) {
    submit(() -> node.step(m));
  }

  /**
   * Proposes {@code payload}. The future completes, on the apply thread, with the entry's index and
   * the state machine's result for it once it is committed and applied on this member, or fails
   * with {@link ProposalRejectedException} (no leader, a transfer in progress) or the runtime's
   * failure. A proposal may also be lost with a leader change; callers add their own timeout
   * ({@code orTimeout}).
   */
  public CompletableFuture<Applied> propose(byte[] payload) {
    long req = nextRequest.getAndIncrement();
    CompletableFuture<Applied> f = new CompletableFuture<>();
    proposals.put(req, f);
    byte[] data =
        ByteBuffer.allocate(HEADER + payload.length).putLong(id).putLong(req).put(payload).array();
    // Proposals queued in one batch are proposed together (see runPending), so they share
    // append messages as well as the fsync.
    submitOrFail(f, () -> batch.add(req, data), () -> proposals.remove(req));
    return f;
  }

  /** Proposals gathered while draining the mailbox (loop thread only). */
  private final ProposalBatch batch = new ProposalBatch();

  private final class ProposalBatch {
    final List<byte[]> data = new ArrayList<>();
    final List<Long> requests = new ArrayList<>();

    void add(long req, byte[] d) {
      requests.add(req);
      data.add(d);
    }

    void flush() {
      if (data.isEmpty()) {
        return;
      }
      try {
        node.proposeAll(data);
      } catch (RuntimeException e) {
        for (long r : requests) {
          CompletableFuture<Applied> f = proposals.remove(r);
          if (f != null) {
            failedProposals.increment();
            f.completeExceptionally(e);
          }
        }
      } finally {
        data.clear();
        requests.clear();
      }
    }
  }

  /**
   * A linearizable read barrier (ReadIndex): the future completes with an index once leadership was
   * confirmed and this member has applied up to it, so reading the state machine then reflects
   * every write acknowledged before this call.
   */
  public CompletableFuture<Long> readIndex() {
    long req = nextRequest.getAndIncrement();
    CompletableFuture<Long> f = new CompletableFuture<>();
    reads.put(req, f);
    submitOrFail(f, () -> node.readIndex(req), () -> reads.remove(req));
    return f;
  }

  /**
   * Proposes a membership change. The future completes, on the apply thread, once an entry with an
   * equal change has been applied on this member (so its membership, and the state machine's view
   * of it, include the change); it fails at once with {@link ProposalRejectedException} if the node
   * takes no change now (no leader, another change not yet applied), with {@link
   * IllegalArgumentException} if the applied change was not allowed (a voter added as a learner),
   * or with the runtime's failure when it stops. A change may also be lost with a leader change;
   * callers add their own timeout.
   */
  public CompletableFuture<Void> changeMembership(ConfChange change) {
    ConfWaiter w = new ConfWaiter(change, new CompletableFuture<>());
    confWaiters.add(w);
    // However it ends (applied, refused, failed, or a caller's timeout or cancel), it is forgotten.
    w.future().whenComplete((v, e) -> confWaiters.remove(w));
    submitOrFail(w.future(), () -> node.proposeConfChange(change), () -> {});
    return w.future();
  }

  /**
   * Asks this member, if it leads, to hand leadership to {@code target}. The future completes, on
   * the node loop, once this member knows {@code target} as the leader (at once if it is this
   * member). It fails with {@link IllegalStateException} if this member does not lead, {@link
   * IllegalArgumentException} if the target is not a voter, {@link LeaderTransferException} if the
   * node abandoned the transfer (the target did not take over within an election timeout) or
   * another member took over, or with the runtime's failure when it stops.
   */
  public CompletableFuture<Void> transferLeadership(long target) {
    TransferWaiter w = new TransferWaiter(target);
    transfers.add(w); // before the task, so that a stop in between fails it
    submitOrFail(
        w.future,
        () -> {
          node.transferLeadership(target);
          w.asked = true;
        },
        () -> transfers.remove(w));
    return w.future;
  }

  /** The node's state after the last batch the loop handled. */
  public Status status() {
    return status;
  }

  /** The last index the state machine applied. */
  public long appliedIndex() {
    return appliedIndex;
  }

  /** How often this member saw a leader other than the one before (etcd's leader changes). */
  public long leaderChanges() {
    return leaderChanges.sum();
  }

  /** Proposals made here and not yet applied or failed. */
  public int pendingProposals() {
    return proposals.size();
  }

  /** Proposals made here that the node refused (no leader, a leadership transfer, stopping). */
  public long failedProposals() {
    return failedProposals.sum();
  }

  /** Whether the state machine is being restored from a snapshot received from the leader. */
  public boolean restoringSnapshot() {
    return restoringSnapshot;
  }

  public long id() {
    return id;
  }

  /** The error that stopped this runtime, or null. */
  public RuntimeException failure() {
    return failure;
  }

  private void submit(Runnable r) {
    if (!closed) {
      mailbox.add(r);
    }
  }

  private <T> void submitOrFail(CompletableFuture<T> f, Runnable action, Runnable forget) {
    if (closed) {
      forget.run();
      f.completeExceptionally(stoppedError());
      return;
    }
    mailbox.add(
        () -> {
          try {
            action.run();
          } catch (RuntimeException e) {
            forget.run();
            f.completeExceptionally(e);
          }
        });
  }

  private RuntimeException stoppedError() {
    return failure != null
        ? new IllegalStateException("raft node " + id + " failed: " + failure, failure)
        : new IllegalStateException("raft node " + id + " is stopped");
  }

  // ---------------------------------------------------------------------------------------------
  // The node loop

  /**
   * Runs what is queued, waiting up to {@code waitMillis} for the first task (0: do not wait), then
   * carries out the node's Readys. Call from one thread only. Returns whether it ran anything; a
   * storage failure stops the driver instead of throwing; an {@link Error} stops it and is
   * rethrown.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean runPending(long waitMillis) throws InterruptedException {
    if (closed) {
      return false;
    }
    Runnable first =
        waitMillis > 0 ? mailbox.poll(waitMillis, TimeUnit.MILLISECONDS) : mailbox.poll();
    if (first == null) {
      return false;
    }
    try {
      first.run();
      for (int i = 0; i < 100_000; i++) {
        Runnable r = mailbox.poll();
        if (r == null) {
          break;
        }
        r.run();
      }
      batch.flush();
      handleReadies();
      Status now = node.status();
      if (now.leader() != 0 && now.leader() != status.leader()) {
        leaderChanges.increment(); // etcd's count: a leader seen that differs from the last one
      }
      status = now;
      if (!transfers.isEmpty()) {
        settleTransfers(status);
      }
    } catch (RuntimeException e) {
      fail(e);
    } catch (Error e) {
      // Not survivable here (out of memory, a stack overflow): fail what waits, then let it go on
      // up to whoever runs the loop (RaftRuntime.failed() tells the server, which stops).
      fail(new IllegalStateException("node loop error: " + e, e));
      throw e;
    }
    return true;
  }

  /** Whether requests are queued. */
  public boolean hasPending() {
    return !mailbox.isEmpty();
  }

  /**
   * Carries out the node's Readys in etcd's order: committed entries (durable here and on a quorum
   * already) and read states go to the apply thread first, so they are applied while the new
   * entries are written; then the send-now messages, the write and its one fsync, and only then the
   * messages that promise it (votes, append acknowledgements). A snapshot received from the leader
   * is stored before the state machine is restored from it.
   */
  private void handleReadies() {
    while (node.hasReady()) {
      Ready rd = node.ready();
      if (rd.snapshot().isEmpty()) {
        handToApply(rd);
      }
      for (Message m : rd.messages()) {
        outbound.accept(m);
      }
      if (!rd.snapshot().isEmpty()) {
        store.applySnapshot(rd.snapshot());
      }
      store.append(rd.entries());
      if (rd.hardState() != null) {
        store.setHardState(rd.hardState());
      }
      if (rd.mustSync()) {
        store.syncNow();
      }
      for (Message m : rd.messagesAfterPersist()) {
        outbound.accept(m);
      }
      if (!rd.snapshot().isEmpty()) {
        Snapshot snap = rd.snapshot();
        onApplyThread(() -> restore(snap));
        handToApply(rd);
        // The store now holds it: older checkpoints may go (in order with the snapshot thread's
        // other work, as after a snapshot of our own).
        long index = snap.metadata().index();
        snapshotter.execute(() -> stateMachine.snapshotInstalled(index));
      }
      if (rd.compactTo() > 0) {
        store.compact(Math.min(rd.compactTo(), store.lastIndex()));
      }
      node.advance(rd);
    }
  }

  /** Queues the Ready's committed entries and read states on the apply thread, in order. */
  private void handToApply(Ready rd) {
    if (!rd.committedEntries().isEmpty()) {
      List<Entry> committed = rd.committedEntries();
      onApplyThread(() -> apply(committed));
    }
    List<ReadWaiter> served = new ArrayList<>(rd.readStates().size());
    for (ReadState r : rd.readStates()) {
      CompletableFuture<Long> f = reads.remove(r.requestId());
      if (f != null) {
        served.add(new ReadWaiter(r.index(), f));
      }
    }
    if (!served.isEmpty()) {
      // One task for the whole heartbeat round's reads.
      onApplyThread(() -> waitApplied(served));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The apply thread

  /**
   * Runs {@code task} on the apply thread unless an earlier task there failed. A failure there (the
   * state machine could not write: a full disk, an I/O error) stops the driver as a storage failure
   * on the loop does (fail-stop): the entries after the one that failed must not be applied over
   * the gap, and retrying the write could apply what RocksDB half wrote, or hide a lost fsync. A
   * restart replays the log from the store's applied index.
   */
  private void onApplyThread(Runnable task) {
    applier.execute(
        () -> {
          if (applyFailure != null) {
            return;
          }
          try {
            task.run();
          } catch (RuntimeException e) {
            applyFailure = e;
            submit(
                () -> {
                  throw new IllegalStateException("apply failed: " + e, e);
                });
          }
        });
  }

  private void restore(Snapshot snap) {
    restoringSnapshot = true;
    try {
      stateMachine.restore(snap);
    } finally {
      restoringSnapshot = false;
    }
    appliedConf = snap.metadata().conf();
    lastSnapshotIndex = snap.metadata().index();
    snapshotPrepared = false;
    appliedIndex = snap.metadata().index();
    releaseReads();
  }

  private void apply(List<Entry> committed) {
    List<Entry> payloads = new ArrayList<>(committed.size());
    List<Mine> mine = new ArrayList<>();
    List<AppliedChange> changes = null;
    for (Entry e : committed) {
      if (e.type() == EntryType.CONF_CHANGE) {
        ConfChange cc = null;
        RuntimeException refused = null;
        try {
          cc = ConfChange.decode(e.data());
          appliedConf = cc.applyTo(appliedConf);
        } catch (IllegalArgumentException notAllowed) {
          refused = notAllowed; // the core ignores it too; whoever asked for it learns why
        }
        if (cc != null) {
          changes = changes == null ? new ArrayList<>(1) : changes;
          changes.add(new AppliedChange(cc, refused));
        }
        payloads.add(e);
      } else if (e.data().length >= HEADER) {
        ByteBuffer b = ByteBuffer.wrap(e.data());
        long proposer = b.getLong();
        long req = b.getLong();
        if (proposer == id) {
          mine.add(new Mine(req, e.index(), payloads.size()));
        }
        payloads.add(
            new Entry(
                e.term(),
                e.index(),
                EntryType.NORMAL,
                Arrays.copyOfRange(e.data(), HEADER, e.data().length)));
      } else {
        payloads.add(e);
      }
    }
    List<?> results = stateMachine.apply(payloads);
    if (results.size() != payloads.size()) {
      throw new IllegalStateException(
          "state machine returned " + results.size() + " results for " + payloads.size());
    }
    Entry last = committed.get(committed.size() - 1);
    appliedIndex = last.index();
    for (Mine m : mine) {
      CompletableFuture<Applied> f = proposals.remove(m.request());
      if (f != null) {
        f.complete(new Applied(m.index(), results.get(m.position())));
      }
    }
    if (changes != null && !confWaiters.isEmpty()) {
      settleChanges(changes);
    }
    releaseReads();
    maybeSnapshot(last.term());
  }

  /** Apply thread: completes the waiters of the changes just applied, in order. */
  // confWaiters is a ConcurrentLinkedQueue: its iterator is weakly consistent, and removing the
  // waiter being visited is safe (no ConcurrentModificationException, nothing skipped).
  @SuppressWarnings("ModifyCollectionInEnhancedForLoop")
  private void settleChanges(List<AppliedChange> changes) {
    for (AppliedChange c : changes) {
      for (ConfWaiter w : confWaiters) {
        if (w.change().equals(c.change()) && confWaiters.remove(w)) {
          if (c.refused() == null) {
            w.future().complete(null);
          } else {
            w.future().completeExceptionally(c.refused());
          }
        }
      }
    }
  }

  /**
   * Loop thread: completes the transfers whose target now leads, and fails those the node gave up
   * (it leads with no transfer to the target in progress) or that another member's election ended.
   * While no leader is known (the target is campaigning) they wait.
   */
  private void settleTransfers(Status s) {
    for (Iterator<TransferWaiter> it = transfers.iterator(); it.hasNext(); ) {
      TransferWaiter w = it.next();
      if (!w.asked || (s.role() == Role.LEADER && s.transferee() == w.target)) {
        continue; // not yet taken, or in progress
      } else if (s.leader() == w.target) {
        w.future.complete(null);
      } else if (s.role() == Role.LEADER) {
        w.future.completeExceptionally(
            new LeaderTransferException(
                "leadership transfer to "
                    + Long.toHexString(w.target)
                    + " was abandoned: it did not take over within an election timeout"));
      } else if (s.leader() != 0) { // another member won the election the transfer started
        w.future.completeExceptionally(
            new LeaderTransferException(
                "leadership went to "
                    + Long.toHexString(s.leader())
                    + ", not to "
                    + Long.toHexString(w.target)));
      } else {
        continue;
      }
      it.remove();
    }
  }

  /**
   * Apply thread: every {@code snapshotEvery} applied entries, captures the state and has the
   * snapshotter write it; a tenth of the interval before, tells the machine to get ready ({@link
   * StateMachine#prepareSnapshot}), so the capture itself stalls the apply thread only briefly.
   */
  private void maybeSnapshot(long lastTerm) {
    if (snapshotEvery <= 0) {
      return;
    }
    long since = appliedIndex - lastSnapshotIndex;
    if (!snapshotPrepared && since >= snapshotEvery - Math.max(1, snapshotEvery / 10)) {
      snapshotPrepared = true;
      stateMachine.prepareSnapshot();
    }
    if (since >= snapshotEvery && snapshotting.compareAndSet(false, true)) {
      SnapshotMetadata md = new SnapshotMetadata(appliedIndex, lastTerm, appliedConf);
      java.util.function.Supplier<byte[]> data = stateMachine.captureSnapshot();
      lastSnapshotIndex = appliedIndex;
      snapshotPrepared = false;
      snapshotter.execute(() -> writeSnapshot(md, data));
    }
  }

  /**
   * The snapshotter: serializes and durably writes a captured snapshot, then has the loop install
   * it. A failure stops the driver (through the loop, like any storage failure).
   */
  private void writeSnapshot(SnapshotMetadata md, java.util.function.Supplier<byte[]> data) {
    try {
      Snapshot snap = new Snapshot(md, data.get());
      store.writeSnapshot(snap);
      submit(
          () -> {
            store.installSnapshot(snap);
            node.snapshotTaken(md.index());
            // In order after the older snapshots' (the same thread); the loop's open sources of
            // older checkpoints stay readable after their files are deleted.
            snapshotter.execute(() -> stateMachine.snapshotInstalled(md.index()));
          });
    } catch (RuntimeException e) {
      submit(
          () -> {
            throw e;
          });
    } finally {
      snapshotting.set(false);
    }
  }

  private void waitApplied(List<ReadWaiter> served) {
    readsWaitingApply.addAll(served);
    releaseReads();
  }

  private void releaseReads() {
    while (!readsWaitingApply.isEmpty() && readsWaitingApply.peek().index() <= appliedIndex) {
      ReadWaiter w = readsWaitingApply.poll();
      w.future().complete(w.index());
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void fail(RuntimeException e) {
    failure = e;
    LOG.log(System.Logger.Level.ERROR, "raft node " + id + " stopped: " + e, e);
    closed = true;
    failPending();
  }

  private void failPending() {
    RuntimeException err = stoppedError();
    proposals.values().forEach(f -> f.completeExceptionally(err));
    proposals.clear();
    reads.values().forEach(f -> f.completeExceptionally(err));
    reads.clear();
    for (ConfWaiter w; (w = confWaiters.poll()) != null; ) {
      w.future().completeExceptionally(err);
    }
    for (TransferWaiter w; (w = transfers.poll()) != null; ) {
      w.future.completeExceptionally(err);
    }
  }

  /** Stops the driver: later requests fail; pending ones fail now. */
  public void stop() {
    closed = true;
    failPending();
    sending.close();
  }

  /** Whether the driver stopped (closed, or failed). */
  public boolean stopped() {
    return closed;
  }
}

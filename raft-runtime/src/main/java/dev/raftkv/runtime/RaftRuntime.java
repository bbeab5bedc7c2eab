package dev.raftkv.runtime;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.LogStore;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Status;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a {@link NodeDriver} on real threads: the node loop (which owns the node and does the disk
 * writes), the apply thread, and a ticker. See {@link NodeDriver} for what each does.
 */
public final class RaftRuntime implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RaftRuntime.class.getName());

  private final NodeDriver driver;
  private final ExecutorService applier;
  private final ExecutorService snapshotter;
  private final Thread loop;
  private final AutoCloseable ticks;
  private final CompletableFuture<Throwable> failed = new CompletableFuture<>();
  private volatile boolean closing;

  /**
   * Starts a runtime for member {@code config.id()}: the node loop, the apply thread and the ticks.
   *
   * @param ticker the source of ticks
   * @param tick how long one tick is
   * @see NodeDriver#NodeDriver the other parameters
   */
  public RaftRuntime(
      RaftConfig config,
      LogStore store,
      StateMachine stateMachine,
      Consumer<Message> outbound,
      Ticker ticker,
      Duration tick,
      long snapshotEvery,
      Random random) {
    this.applier =
        Executors.newSingleThreadExecutor(r -> new Thread(r, "raftkv-apply-" + config.id()));
    this.snapshotter =
        Executors.newSingleThreadExecutor(r -> new Thread(r, "raftkv-snapshot-" + config.id()));
    this.driver =
        new NodeDriver(
            config, store, stateMachine, outbound, applier, snapshotter, snapshotEvery, random);
    this.loop = new Thread(this::runLoop, "raftkv-node-" + config.id());
    this.loop.start();
    this.ticks = ticker.every(tick, driver::tick);
  }

  /** A ticker backed by one daemon scheduler thread. */
  public static Ticker threadTicker() {
    return (period, task) -> {
      var exec =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "raftkv-ticker");
                t.setDaemon(true);
                return t;
              });
      long nanos = period.toNanos();
      // Fixed delay, not fixed rate: after a stall (GC, a busy machine) missed ticks must not
      // fire in a burst, which would make followers time out at once.
      exec.scheduleWithFixedDelay(task, nanos, nanos, TimeUnit.NANOSECONDS);
      return exec::shutdownNow;
    };
  }

  private void runLoop() {
    Throwable died = null;
    try {
      while (!closing && !driver.stopped()) {
        driver.runPending(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) { // an Error (out of memory, ...): the loop is gone, so say so
      died = t;
      throw t;
    } finally {
      if (!closing) {
        Throwable cause = died != null ? died : driver.failure();
        failed.complete(
            cause != null ? cause : new IllegalStateException("raft node loop ended unasked"));
      }
    }
  }

  /**
   * Completes, with the cause, when the node loop stops other than through {@link #close}: a
   * storage failure (a failed fsync is never retried), an error in a step, or an {@link Error} such
   * as {@link OutOfMemoryError} that killed the loop. The member can then make no progress; a
   * server should stop (fail-stop) rather than stay up without its loop. Completed on the dying
   * loop thread; never completes for a runtime closed normally.
   */
  public CompletableFuture<Throwable> failed() {
    return failed;
  }

  /** Hands a message from a peer to the node. Never blocks. */
  public void deliver(Message m) {
    driver.deliver(m);
  }

  /** See {@link NodeDriver#propose}. */
  public CompletableFuture<Applied> propose(byte[] payload) {
    return driver.propose(payload);
  }

  /** See {@link NodeDriver#readIndex}. */
  public CompletableFuture<Long> readIndex() {
    return driver.readIndex();
  }

  /** See {@link NodeDriver#changeMembership}. */
  public CompletableFuture<Void> changeMembership(ConfChange change) {
    return driver.changeMembership(change);
  }

  /** See {@link NodeDriver#transferLeadership}. */
  public CompletableFuture<Void> transferLeadership(long target) {
    return driver.transferLeadership(target);
  }

  /** The node's state after the last batch the loop handled. */
  public Status status() {
    return driver.status();
  }

  /** The last index the state machine applied. */
  public long appliedIndex() {
    return driver.appliedIndex();
  }

  public long id() {
    return driver.id();
  }

  /**
   * How often this member saw a leader other than the one before, as etcd counts leader changes.
   */
  public long leaderChanges() {
    return driver.leaderChanges();
  }

  /** Proposals made on this member and not yet applied or failed. */
  public int pendingProposals() {
    return driver.pendingProposals();
  }

  /** Proposals made on this member that the node refused (no leader, a transfer, stopping). */
  public long failedProposals() {
    return driver.failedProposals();
  }

  /** Whether the state machine is being restored from a snapshot received from the leader. */
  public boolean restoringSnapshot() {
    return driver.restoringSnapshot();
  }

  /** The error that stopped this runtime, or null. */
  public RuntimeException failure() {
    return driver.failure();
  }

  /**
   * Stops the ticks, the node loop and the apply thread (after the entries already handed to it),
   * then waits for a snapshot being written. Pending requests fail. Does not close the store.
   */
  @Override
  public void close() {
    closing = true;
    try {
      ticks.close();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "stopping ticks: " + e);
    }
    try {
      loop.join(5_000);
      applier.shutdown();
      applier.awaitTermination(5, TimeUnit.SECONDS);
      snapshotter.shutdown();
      snapshotter.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    driver.stop();
  }
}

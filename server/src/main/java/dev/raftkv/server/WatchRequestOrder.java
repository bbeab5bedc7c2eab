package dev.raftkv.server;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * One watch stream's requests, carried out in the order they arrived, where one of them may first
 * wait for a read barrier.
 *
 * <p>A watch from a past revision is checked against this member's compaction and replayed from its
 * history. A member that has not yet applied what the cluster acknowledged (a follower a commit
 * behind the leader) would answer from an older state: a watch from a revision compacted an instant
 * ago through another member would be created instead of canceled, and its replay could lack the
 * latest writes. So such a create first waits (at most {@link #MAX_WAIT_MILLIS}) until this member
 * has applied everything committed when it arrived (a ReadIndex barrier). The requests behind it
 * wait too, so the stream's answers keep their order; a create from the current revision among them
 * keeps the revision it arrived at (see {@link #runPinned}), so it misses nothing written
 * meanwhile.
 *
 * <p>Thread-safe: {@link #run} and {@link #runAfterBarrier} are called by the stream's handler
 * thread, and a barrier's completion carries on from {@code executor}.
 */
final class WatchRequestOrder {
  /**
   * How long a create from a past revision waits for this member to catch up. A member that cannot
   * reach a leader within it (a partition) answers from its own state, as etcd always does.
   */
  static final long MAX_WAIT_MILLIS = 1_000;

  private final Executor executor;
  private final Queue<Runnable> waiting = new ArrayDeque<>(); // guarded by this
  private boolean blocked; // guarded by this

  /**
   * @param executor where the requests behind a barrier are carried out once it completes (never
   *     the apply thread: a create may read history)
   */
  WatchRequestOrder(Executor executor) {
    this.executor = executor;
  }

  /** Carries out {@code request} now, or after the barrier in progress and what waits behind it. */
  synchronized void run(Runnable request) {
    if (blocked) {
      waiting.add(request);
    } else {
      request.run();
    }
  }

  /**
   * As {@link #run}, for a request whose meaning depends on when it arrived: when it must wait,
   * {@code pin} turns it, now, into what it will carry out later (a create from the current
   * revision becomes a create from the revision after this member's current one).
   */
  synchronized void runPinned(Runnable request, Supplier<Runnable> pin) {
    if (blocked) {
      waiting.add(pin.get());
    } else {
      request.run();
    }
  }

  /**
   * Carries out {@code request} once {@code barrier} (started when the request's turn comes)
   * completes, fails or has taken {@link #MAX_WAIT_MILLIS}; later requests wait behind it.
   */
  synchronized void runAfterBarrier(Supplier<CompletableFuture<?>> barrier, Runnable request) {
    if (blocked) {
      waiting.add(() -> startBarrier(barrier, request));
    } else {
      startBarrier(barrier, request);
    }
  }

  /** Holds the lock. */
  private void startBarrier(Supplier<CompletableFuture<?>> barrier, Runnable request) {
    blocked = true;
    CompletableFuture<?> done;
    try {
      done = barrier.get().copy();
    } catch (RuntimeException notNow) {
      done = CompletableFuture.completedFuture(null); // no leader known: answer from local state
    }
    done.orTimeout(MAX_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .whenCompleteAsync((ignored, failure) -> release(request), executor);
  }

  private synchronized void release(Runnable request) {
    blocked = false;
    request.run();
    Runnable next;
    while (!blocked && (next = waiting.poll()) != null) {
      next.run();
    }
  }
}

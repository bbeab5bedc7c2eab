package dev.raftkv.server;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One watch stream's requests, carried out in the order they arrived, where some of them first wait
 * for a read barrier.
 *
 * <p>A watch from a past revision is checked against this member's compaction and replayed from its
 * history. A member that has not yet applied what the cluster acknowledged (a follower a commit
 * behind the leader) would answer from an older state: a watch from a revision compacted an instant
 * ago through another member would be created instead of canceled, and its replay could lack the
 * latest writes. So such a create first waits until this member has applied everything committed
 * when it arrived (a ReadIndex barrier, asked for on arrival), or until {@link #MAX_WAIT_MILLIS}
 * have passed since it arrived. The requests behind it wait too, so the stream's answers keep their
 * order; barriers of several such creates run at the same time. A create from the current revision
 * among the waiting requests keeps the revision it arrived at (see {@link #runPinned}), so it
 * misses nothing written meanwhile.
 *
 * <p>Thread-safe: the run methods are called by the stream's handler thread; what waited carries on
 * from {@code executor} once its barrier completes. A request that throws does not stop the ones
 * behind it.
 */
final class WatchRequestOrder {
  /**
   * How long a create from a past revision waits, from its arrival, for this member to catch up. A
   * member that cannot reach a leader within it (a partition) answers from its own state, as etcd
   * always does; one that knows no leader at all is told so at once and does the same.
   */
  static final long MAX_WAIT_MILLIS = 1_000;

  /** A request and what it waits for first (null: nothing of its own). */
  private record Step(CompletableFuture<?> gate, Runnable action) {}

  private final Executor executor;
  private final Queue<Step> waiting = new ArrayDeque<>(); // guarded by this
  private boolean blocked; // guarded by this: the head of the queue waits for its gate
  private boolean closed; // guarded by this

  /**
   * @param executor where the requests behind a barrier are carried out once it completes (never
   *     the apply thread: a create may read history)
   */
  WatchRequestOrder(Executor executor) {
    this.executor = executor;
  }

  /** Carries out {@code request} now, or after the requests that wait before it. */
  synchronized void run(Runnable request) {
    if (closed) {
      return;
    }
    if (blocked) {
      waiting.add(new Step(null, request));
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
    if (closed) {
      return;
    }
    if (blocked) {
      waiting.add(new Step(null, pin.get()));
    } else {
      request.run();
    }
  }

  /**
   * Carries out {@code request} once the barrier {@code barrier} starts now completes, fails or has
   * taken {@link #MAX_WAIT_MILLIS}, and after the requests that wait before it; later requests wait
   * behind it.
   */
  synchronized void runAfterBarrier(Supplier<CompletableFuture<?>> barrier, Runnable request) {
    if (closed) {
      return;
    }
    CompletableFuture<?> gate =
        barrier.get().copy().orTimeout(MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    waiting.add(new Step(gate, request));
    if (!blocked) {
      drain();
    }
  }

  /** Drops what waits: the stream is gone. */
  synchronized void close() {
    closed = true;
    waiting.clear();
  }

  /** Holds the lock: carries out the queue's head while its gate (if any) is done. */
  private void drain() {
    Step head;
    while (!closed && (head = waiting.peek()) != null) {
      if (head.gate() != null && !head.gate().isDone()) {
        blocked = true;
        head.gate().whenComplete((ignored, failure) -> resume());
        return;
      }
      waiting.poll();
      try {
        head.action().run();
      } catch (RuntimeException e) {
        // the stream answers for its own requests; the ones behind this one still go on
      }
    }
    blocked = false;
  }

  /** The head's gate completed (on the apply thread, or the timeout's): go on from the executor. */
  private void resume() {
    try {
      executor.execute(
          () -> {
            synchronized (this) {
              drain();
            }
          });
    } catch (RejectedExecutionException stopping) {
      close(); // the server stops: nothing waiting will be answered
    }
  }
}

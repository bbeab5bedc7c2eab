package dev.raftkv.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Fails requests still unanswered at their deadline. One periodic {@link #sweep} (on the Raft tick)
 * replaces a timer task per request ({@code orTimeout} schedules and cancels one on a JDK-wide
 * timer thread for every call). Every request gets the same timeout, so the order they arrive in is
 * the order their deadlines come in: a FIFO queue swept from its head. A deadline is thus kept to
 * within one sweep period. Thread-safe.
 */
final class RequestTimeouts {
  private record Pending(long deadline, CompletableFuture<?> future) {}

  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final LongSupplier nanoClock;
  private final long timeoutNanos;

  /**
   * @param timeout how long a request may wait for its answer
   * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime})
   */
  RequestTimeouts(Duration timeout, LongSupplier nanoClock) {
    this.timeoutNanos = timeout.toNanos();
    this.nanoClock = nanoClock;
  }

  /** The timeout every request gets. */
  Duration timeout() {
    return Duration.ofNanos(timeoutNanos);
  }

  /**
   * Fails {@code f} with a {@link TimeoutException} if it is not done by its deadline; returns it.
   */
  <T> CompletableFuture<T> watch(CompletableFuture<T> f) {
    if (!f.isDone()) {
      queue.add(new Pending(nanoClock.getAsLong() + timeoutNanos, f));
    }
    return f;
  }

  /**
   * Fails every watched request past its deadline, and forgets the answered ones before them.
   *
   * @return how many requests it failed
   */
  int sweep() {
    long now = nanoClock.getAsLong();
    int failed = 0;
    for (Pending p = queue.peek(); p != null; p = queue.peek()) {
      if (!p.future().isDone() && p.deadline() - now > 0) {
        return failed; // and every later one is due later still
      }
      queue.poll();
      if (p.future().completeExceptionally(new TimeoutException("request timed out"))) {
        failed++;
      }
    }
    return failed;
  }

  /** How many requests are watched (answered ones not yet swept included). */
  int size() {
    return queue.size();
  }
}

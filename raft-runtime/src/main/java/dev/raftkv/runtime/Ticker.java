package dev.raftkv.runtime;

import java.time.Duration;

/**
 * Runs a task every period: how a {@link RaftRuntime} gets its ticks. Injected so tests and the
 * simulator can drive time themselves.
 */
@FunctionalInterface
public interface Ticker {
  /** Starts calling {@code task} every {@code period}; closing the result stops it. */
  AutoCloseable every(Duration period, Runnable task);
}

package dev.raftkv.server.dashboard;

import dev.raftkv.server.metrics.MetricTotals;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Turns the running totals read once per interval into chart points (differences over the time
 * between two readings) and keeps the last {@link #capacity()} points, so that a page opened now
 * draws the recent past at once. Confined to one thread (the admin event loop).
 */
public final class ChartSampler {
  /**
   * The totals read at one moment.
   *
   * @param timeMillis when (epoch milliseconds)
   * @param commit the commit index
   * @param applied the applied index
   * @param metrics the metric totals
   */
  public record Reading(long timeMillis, long commit, long applied, MetricTotals metrics) {}

  private final int capacity;
  private final Deque<ChartSample> samples = new ArrayDeque<>();
  private Reading last;

  /**
   * @param capacity how many points are kept
   */
  public ChartSampler(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Takes a reading; returns the point for the interval since the one before, or null for the first
   * reading (or one no later than the one before).
   */
  public ChartSample add(Reading now) {
    Reading before = last;
    if (before != null && now.timeMillis() <= before.timeMillis()) {
      return null;
    }
    last = now;
    if (before == null) {
      return null;
    }
    double seconds = (now.timeMillis() - before.timeMillis()) / 1000.0;
    MetricTotals a = before.metrics();
    MetricTotals b = now.metrics();
    ChartSample s =
        new ChartSample(
            now.timeMillis(),
            Math.max(0, now.commit() - before.commit()) / seconds,
            Math.max(0, now.applied() - before.applied()) / seconds,
            Math.max(0, b.requests() - a.requests()) / seconds,
            meanMillis(b.walFsyncSeconds() - a.walFsyncSeconds(), b.walFsyncs() - a.walFsyncs()),
            meanMillis(
                b.backendCommitSeconds() - a.backendCommitSeconds(),
                b.backendCommits() - a.backendCommits()),
            meanMillis(
                b.applySeconds() - a.applySeconds(), b.backendCommits() - a.backendCommits()));
    if (samples.size() == capacity) {
      samples.removeFirst();
    }
    samples.addLast(s);
    return s;
  }

  private static double meanMillis(double seconds, long count) {
    return count <= 0 ? Double.NaN : seconds * 1000.0 / count;
  }

  /** The kept points, oldest first. */
  public List<ChartSample> samples() {
    return new ArrayList<>(samples);
  }

  /** How many points are kept at most. */
  public int capacity() {
    return capacity;
  }
}

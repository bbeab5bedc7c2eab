package dev.raftkv.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Drops a line logged more than {@link #ALLOWED} times within {@link #WINDOW} (the same logger and
 * the same text): a member that cannot reach a peer, or a client that repeats a bad request, then
 * writes a few lines a minute instead of thousands. The first of a window is always written. Keeps
 * the last {@link #TRACKED} distinct lines. An appender's filter (it sees every event, formatted).
 */
final class RepeatedLines extends Filter<ILoggingEvent> {
  static final int ALLOWED = 10;
  static final Duration WINDOW = Duration.ofMinutes(1);
  static final int TRACKED = 512;

  private final LongSupplier nanoClock;

  /** Per line: the window's start (nanos) and the lines written in it. */
  private final Map<String, long[]> seen =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
          return size() > TRACKED;
        }
      };

  RepeatedLines(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public FilterReply decide(ILoggingEvent e) {
    String key = e.getLoggerName() + '\u0000' + e.getFormattedMessage();
    long now = nanoClock.getAsLong();
    synchronized (seen) {
      long[] w = seen.get(key);
      if (w == null || now - w[0] >= WINDOW.toNanos()) {
        seen.put(key, new long[] {now, 1});
        return FilterReply.NEUTRAL;
      }
      return ++w[1] <= ALLOWED ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
  }
}

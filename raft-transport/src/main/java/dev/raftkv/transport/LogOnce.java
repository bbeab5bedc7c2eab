package dev.raftkv.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs a message the first time its key is seen, so that a peer failing the same way again and
 * again (every reconnect refused, every send to a member without an address) leaves one line, not
 * one per attempt.
 *
 * <p>Messages are {@link System.Logger} patterns with {@code {0}}-style placeholders and their
 * arguments, formatted by the logging backend only if the level is enabled; callers pass numbers as
 * strings (ids through {@link Ids#hex}), since the backend's {@link java.text.MessageFormat} would
 * group their digits.
 *
 * <p>A key is remembered whether or not its level is enabled, until {@link #forget} drops it. At
 * most {@value #MAX_KEYS} keys are kept: past that all are forgotten, so a storm of misbehaving
 * peers costs bounded memory and at worst logs each key once more.
 *
 * <p>Thread-safe and lock-free (a concurrent set); never blocks beyond what the logger does and
 * throws nothing of its own.
 */
final class LogOnce {

  /** Distinct keys kept; past this they are forgotten (a misbehaving-peer storm). */
  static final int MAX_KEYS = 10_000;

  private final System.Logger log;
  private final Set<String> logged = ConcurrentHashMap.newKeySet();

  /** Logs to {@code log}. */
  LogOnce(System.Logger log) {
    this.log = log;
  }

  /**
   * Logs {@code format} with {@code params} at {@code level}, unless {@code key} was logged before
   * and not forgotten since.
   */
  void log(String key, System.Logger.Level level, String format, Object... params) {
    if (logged.size() > MAX_KEYS) {
      logged.clear();
    }
    if (logged.add(key)) {
      log.log(level, format, params);
    }
  }

  /** Forgets every key that starts with {@code prefix}: each logs again the next time. */
  void forget(String prefix) {
    logged.removeIf(k -> k.startsWith(prefix));
  }
}

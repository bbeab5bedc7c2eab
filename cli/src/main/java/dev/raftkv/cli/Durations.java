package dev.raftkv.cli;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses the durations the command line takes: {@code 500ms}, {@code 60s}, {@code 10m}, {@code 2h}.
 */
final class Durations {
  private Durations() {}

  /**
   * The duration {@code text} names: a non-negative whole number followed by {@code ms}, {@code s},
   * {@code m} or {@code h}.
   *
   * @throws IllegalArgumentException naming the expected form otherwise
   */
  static Duration parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return nonNegative(Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2))), text);
      }
      String number = t.substring(0, Math.max(0, t.length() - 1));
      switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
        case 's' -> {
          return nonNegative(Duration.ofSeconds(Long.parseLong(number)), text);
        }
        case 'm' -> {
          return nonNegative(Duration.ofMinutes(Long.parseLong(number)), text);
        }
        case 'h' -> {
          return nonNegative(Duration.ofHours(Long.parseLong(number)), text);
        }
        default -> {}
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // fall through to the error
    }
    throw new IllegalArgumentException("must look like 500ms, 30s, 10m or 2h, got '" + text + "'");
  }

  private static Duration nonNegative(Duration d, String text) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("must not be negative, got '" + text + "'");
    }
    return d;
  }
}

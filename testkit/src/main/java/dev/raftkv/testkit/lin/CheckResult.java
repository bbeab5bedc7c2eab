package dev.raftkv.testkit.lin;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The result of {@link LinearizabilityChecker#check}.
 *
 * @param verdict the answer
 * @param operations operations in the history, every outcome included
 * @param keys distinct keys in the history
 * @param keysChecked keys whose search finished (linearizable, or the failing one)
 * @param elapsed time spent checking
 * @param violation the violation when the verdict is {@link Verdict#NOT_LINEARIZABLE}; {@code null}
 *     otherwise
 * @param unknownReason why the verdict is {@link Verdict#UNKNOWN}; {@code null} otherwise
 */
public record CheckResult(
    Verdict verdict,
    int operations,
    int keys,
    int keysChecked,
    Duration elapsed,
    Violation violation,
    String unknownReason) {

  /** How many operations of the longest prefix {@link #describe()} prints (the last ones). */
  public static final int PREFIX_SHOWN = 20;

  public CheckResult {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(elapsed, "elapsed");
    if ((verdict == Verdict.NOT_LINEARIZABLE) != (violation != null)) {
      throw new IllegalArgumentException("a violation comes with NOT_LINEARIZABLE only");
    }
    if ((verdict == Verdict.UNKNOWN) != (unknownReason != null)) {
      throw new IllegalArgumentException("an unknown reason comes with UNKNOWN only");
    }
  }

  /** Whether the verdict is {@link Verdict#LINEARIZABLE}. */
  public boolean isLinearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }

  /** A report for people: the verdict on the first line, then what shows it. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    String size =
        operations + " operations on " + keys + (keys == 1 ? " key" : " keys") + ", " + seconds();
    switch (verdict) {
      case LINEARIZABLE -> {
        return b.append("LINEARIZABLE: ").append(size).append('\n').toString();
      }
      case UNKNOWN -> {
        return b.append("UNKNOWN: ")
            .append(unknownReason)
            .append("; ")
            .append(keysChecked)
            .append(" of ")
            .append(keys)
            .append(" keys checked without a violation (")
            .append(size)
            .append(")\n")
            .toString();
      }
      case NOT_LINEARIZABLE -> {}
    }
    Violation v = violation;
    b.append("NOT LINEARIZABLE: ");
    b.append(v.key() == null ? "across keys" : "key \"" + v.key() + "\"");
    b.append(" (").append(size).append(")\n");
    b.append("  ").append(v.summary()).append('\n');
    if (v.key() != null && v.stateAfterPrefix() != null) {
      List<Op> prefix = v.longestPrefix();
      b.append("  Longest linearizable prefix: ").append(prefix.size()).append(" operations");
      if (prefix.size() > PREFIX_SHOWN) {
        b.append(" (last ").append(PREFIX_SHOWN).append(" shown)");
      }
      b.append(prefix.isEmpty() ? "\n" : ":\n");
      for (Op op : prefix.subList(Math.max(0, prefix.size() - PREFIX_SHOWN), prefix.size())) {
        b.append("    ").append(op.brief()).append('\n');
      }
      b.append("  State after it: ").append(v.stateAfterPrefix()).append('\n');
      if (v.blocked() != null) {
        b.append("  Must come next (it returned before any other order worked): ")
            .append(v.blocked().brief())
            .append('\n');
      }
      b.append("  None of the operations that could come next fits:\n");
    }
    for (Violation.Involved i : v.involved()) {
      b.append("    ").append(i.op().brief()).append("\n      ").append(i.reason()).append('\n');
    }
    return b.toString();
  }

  private String seconds() {
    return String.format(Locale.ROOT, "checked in %.3f s", elapsed.toNanos() / 1e9);
  }
}

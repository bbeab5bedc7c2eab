package dev.raftkv.testkit.sim;

import java.io.PrintStream;

/**
 * Runs many seeds of {@link RandomSchedule} and reports, ending with the line {@code N passed, M
 * failed}. A failing seed is re-run with tracing, and its report ends with the command that replays
 * it.
 */
public final class SimulationRunner {
  /** The outcome of a batch of seeds. */
  public record Summary(int passed, int failed, long firstFailedSeed) {
    public boolean ok() {
      return failed == 0;
    }
  }

  private SimulationRunner() {}

  /**
   * Runs seeds {@code start .. start + seeds - 1}.
   *
   * @param nodes cluster size, or 0 to rotate through 3, 5 and 7 by seed
   * @param faultTicks ticks of simulated time in each run's fault phase
   * @param out where progress and failures are printed
   */
  public static Summary run(long start, int seeds, int nodes, int faultTicks, PrintStream out) {
    int passed = 0;
    int failed = 0;
    long firstFailed = -1;
    int[] sizes = {3, 5, 7};
    java.util.Map<String, Long> totals = new java.util.TreeMap<>();
    for (long seed = start; seed < start + seeds; seed++) {
      int size = nodes > 0 ? nodes : sizes[(int) Math.floorMod(seed, 3L)];
      try {
        Simulation sim = new RandomSchedule(seed, size, faultTicks, false).run();
        sim.counters().forEach((k, v) -> totals.merge(k, v, Long::sum));
        passed++;
      } catch (InvariantViolation e) {
        failed++;
        if (firstFailed < 0) {
          firstFailed = seed;
        }
        report(seed, size, faultTicks, e, out);
      }
    }
    totals.remove("max-commit");
    out.println("in all runs: " + totals);
    out.println(passed + " passed, " + failed + " failed");
    return new Summary(passed, failed, firstFailed);
  }

  private static void report(
      long seed, int size, int faultTicks, InvariantViolation e, PrintStream out) {
    out.println("seed " + seed + " (" + size + " nodes) FAILED: " + e.getMessage());
    if (e.getCause() != null) {
      e.getCause().printStackTrace(out);
    }
    RandomSchedule traced = new RandomSchedule(seed, size, faultTicks, true);
    try {
      traced.run();
      out.println("  (the traced re-run did not fail: the run is not deterministic)");
    } catch (InvariantViolation again) {
      out.println("  last events before the failure:");
      for (String line : traced.simulation().trace()) {
        out.println("    " + line);
      }
    }
    out.println(
        "  replay: bin/raftkv simulate --seeds 1 --start "
            + seed
            + " --nodes "
            + size
            + " --steps "
            + faultTicks);
  }
}

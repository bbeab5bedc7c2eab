package dev.raftkv.testkit.sim;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs many seeds of one node loop's schedule and reports, ending with the line {@code N passed, M
 * failed}. A failing seed is re-run with tracing, and its report ends with the command that replays
 * it.
 */
public final class SimulationRunner {
  /** Which loop drives the nodes. */
  public enum Loop {
    /** The shipped node loop, {@code NodeDriver}, on a simulated disk ({@link DriverSchedule}). */
    PRODUCTION,
    /** The simulator's own Ready loop around {@code RaftNode} ({@link RandomSchedule}). */
    CORE;

    /** The name on the command line. */
    public String flag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The outcome of a batch of seeds.
   *
   * @param totals the counters of what happened, summed over the seeds that passed
   */
  public record Summary(int passed, int failed, long firstFailedSeed, Map<String, Long> totals) {
    public boolean ok() {
      return failed == 0;
    }
  }

  private SimulationRunner() {}

  /**
   * Runs seeds {@code start .. start + seeds - 1}.
   *
   * @param loop the node loop to run
   * @param nodes cluster size, or 0 to rotate through 3, 5 and 7 by seed
   * @param faultTicks ticks of simulated time in each run's fault phase
   * @param out where progress and failures are printed
   */
  public static Summary run(
      Loop loop, long start, int seeds, int nodes, int faultTicks, PrintStream out) {
    int passed = 0;
    int failed = 0;
    long firstFailed = -1;
    int[] sizes = {3, 5, 7};
    Map<String, Long> totals = new TreeMap<>();
    for (long seed = start; seed < start + seeds; seed++) {
      int size = nodes > 0 ? nodes : sizes[(int) Math.floorMod(seed, 3L)];
      try {
        runOne(loop, seed, size, faultTicks, false)
            .forEach((k, v) -> totals.merge(k, v, Long::sum));
        passed++;
      } catch (InvariantViolation e) {
        failed++;
        if (firstFailed < 0) {
          firstFailed = seed;
        }
        report(loop, seed, size, faultTicks, e, out);
      }
    }
    totals.remove("max-commit");
    out.println("in all runs (" + loop.flag() + " loop): " + totals);
    out.println(passed + " passed, " + failed + " failed");
    return new Summary(passed, failed, firstFailed, Map.copyOf(totals));
  }

  /** Runs one seed; returns its counters. */
  private static Map<String, Long> runOne(
      Loop loop, long seed, int size, int faultTicks, boolean tracing) {
    return switch (loop) {
      case PRODUCTION -> new DriverSchedule(seed, size, faultTicks, tracing).run();
      case CORE -> new RandomSchedule(seed, size, faultTicks, tracing).run().counters();
    };
  }

  /** Runs one seed again with tracing; returns its last events, or null if it passed this time. */
  private static List<String> traceOf(Loop loop, long seed, int size, int faultTicks) {
    DriverSchedule driver = new DriverSchedule(seed, size, faultTicks, true);
    RandomSchedule core = new RandomSchedule(seed, size, faultTicks, true);
    try {
      if (loop == Loop.PRODUCTION) {
        driver.run();
      } else {
        core.run();
      }
      return null;
    } catch (InvariantViolation again) {
      return loop == Loop.PRODUCTION ? driver.trace() : core.simulation().trace();
    }
  }

  private static void report(
      Loop loop, long seed, int size, int faultTicks, InvariantViolation e, PrintStream out) {
    out.println("seed " + seed + " (" + size + " nodes) FAILED: " + e.getMessage());
    if (e.getCause() != null) {
      e.getCause().printStackTrace(out);
    }
    List<String> trace = traceOf(loop, seed, size, faultTicks);
    if (trace == null) {
      out.println("  (the traced re-run did not fail: the run is not deterministic)");
    } else {
      out.println("  last events before the failure:");
      for (String line : trace) {
        out.println("    " + line);
      }
    }
    out.println("  replay: " + replayCommand(loop, seed, size, faultTicks));
  }

  /** The command that runs exactly this seed again. */
  public static String replayCommand(Loop loop, long seed, int size, int faultTicks) {
    return "bin/raftkv simulate --loop "
        + loop.flag()
        + " --seeds 1 --start "
        + seed
        + " --nodes "
        + size
        + " --steps "
        + faultTicks;
  }
}

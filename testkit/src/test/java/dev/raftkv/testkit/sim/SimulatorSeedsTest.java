package dev.raftkv.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the seeded simulator over fault schedules (3, 5 and 7 nodes) of both node loops: a few
 * hundred seeds in the fast tier ({@code ./mvnw test}), from {@code
 * -Draftkv.sim.quick.production.seeds} (the shipped loop, 100 by default) and {@code
 * -Draftkv.sim.quick.seeds} (the core loop, 300 by default). {@link SimulatorSeedsIT} runs the same
 * tests over many more seeds in {@code ./mvnw verify}.
 */
class SimulatorSeedsTest {

  /** Seeds of the production loop to run. */
  int productionSeeds() {
    return Integer.getInteger("raftkv.sim.quick.production.seeds", 100);
  }

  /** Seeds of the core loop to run. */
  int coreSeeds() {
    return Integer.getInteger("raftkv.sim.quick.seeds", 300);
  }

  private static SimulationRunner.Summary run(SimulationRunner.Loop loop, int seeds) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    SimulationRunner.Summary summary = SimulationRunner.run(loop, 1, seeds, 0, 500, out);
    String report = buf.toString(StandardCharsets.UTF_8);
    System.out.printf(
        "simulator (%s loop): %d seeds in %.1f s%n%s",
        loop.flag(), seeds, (System.nanoTime() - t0) / 1e9, report);
    assertThat(summary.failed()).as(report).isZero();
    assertThat(summary.passed()).isEqualTo(seeds);
    return summary;
  }

  /**
   * The node loop the server ships ({@code NodeDriver} with its apply and snapshot threads) on a
   * disk that loses unsynced writes and tears syncs, with a state machine whose durable copy lags.
   * The seeds must also have exercised every fault and path they are there for.
   */
  @Test
  void theProductionLoopKeepsSafetyAndLivenessOnEverySeed() {
    int seeds = productionSeeds();
    Map<String, Long> totals = run(SimulationRunner.Loop.PRODUCTION, seeds).totals();
    if (seeds >= 100) {
      assertThat(totals)
          .as("what the seeds did")
          .allSatisfy((k, v) -> assertThat(v).as(k).isPositive())
          .containsKeys(
              "acknowledged",
              "reads-served",
              "crashes",
              "crashes-in-sync",
              "restarts-replaying-log",
              "snapshots-taken",
              "snapshots-installed",
              "machine-restores",
              "transfers",
              "conf-changes-applied");
    }
  }

  @Test
  void theCoreLoopKeepsSafetyAndLivenessOnEverySeed() {
    run(SimulationRunner.Loop.CORE, coreSeeds());
  }
}

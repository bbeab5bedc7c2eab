package dev.raftkv.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Runs the seeded simulator over many fault schedules (3, 5 and 7 nodes). The number of seeds comes
 * from {@code -Draftkv.sim.seeds} (2000 by default; {@code -Psoak} raises it).
 */
class SimulatorSeedsTest {

  @Test
  void everySeedKeepsSafetyAndLiveness() {
    int seeds = Integer.getInteger("raftkv.sim.seeds", 2000);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    SimulationRunner.Summary summary = SimulationRunner.run(1, seeds, 0, 500, out);
    String report = buf.toString(StandardCharsets.UTF_8);
    System.out.printf(
        "simulator: %d seeds in %.1f s%n%s", seeds, (System.nanoTime() - t0) / 1e9, report);
    assertThat(summary.failed()).as(report).isZero();
    assertThat(summary.passed()).isEqualTo(seeds);
  }

  /**
   * The real node loop ({@code NodeDriver}, as the server runs it) on virtual time: proposals and
   * reads through its futures, crashes and restarts from storage, partitions. A tenth of the
   * simulator's seeds, over 3 and 5 nodes.
   */
  @Test
  void theNodeLoopKeepsAcknowledgedWritesAndLinearizableReads() {
    int seeds = Math.max(50, Integer.getInteger("raftkv.sim.seeds", 2000) / 10);
    StringBuilder failures = new StringBuilder();
    for (long seed = 1; seed <= seeds; seed++) {
      int size = seed % 2 == 0 ? 3 : 5;
      try {
        new RuntimeSchedule(seed, size, 300).run();
      } catch (InvariantViolation e) {
        failures
            .append("seed ")
            .append(seed)
            .append(" (")
            .append(size)
            .append(" nodes): ")
            .append(e.getMessage())
            .append('\n');
      }
    }
    assertThat(failures.toString()).isEmpty();
  }
}

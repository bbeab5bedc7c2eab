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
}

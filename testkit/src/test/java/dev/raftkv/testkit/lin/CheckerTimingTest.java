package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Measures the checker on a large generated history and prints the time (not a timed assertion: the
 * machine is shared). The verdict must be LINEARIZABLE or, on a very slow machine, UNKNOWN; never
 * NOT_LINEARIZABLE.
 */
class CheckerTimingTest {

  @Test
  void tenClientsThousandOpsEachOnFiveKeysWithUnknowns() {
    HistoryGenerator.Config config = new HistoryGenerator.Config(10, 1000, 5, 0.01, 0.01, true);
    List<Op> history = HistoryGenerator.generate(config, new Random(42));
    long unknown = history.stream().filter(op -> op.outcome() == Outcome.UNKNOWN).count();

    CheckResult result = LinearizabilityChecker.check(history, Duration.ofSeconds(20));

    System.out.printf(
        "[lin timing] %d ops (%d unknown) on %d keys: %s in %d ms%n",
        history.size(), unknown, result.keys(), result.verdict(), result.elapsed().toMillis());
    assertThat(result.verdict()).isNotEqualTo(Verdict.NOT_LINEARIZABLE);
  }
}

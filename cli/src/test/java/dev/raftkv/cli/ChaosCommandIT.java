package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.testkit.lin.CheckResult;
import dev.raftkv.testkit.lin.LinearizabilityChecker;
import dev.raftkv.testkit.lin.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code raftkv chaos} (the command in this JVM, the five servers as real processes) under
 * every fault kind and checks its verdicts: linearizable with the default linearizable reads, not
 * linearizable with serializable reads under isolation. Length and seed of the first run come from
 * {@code -Draftkv.chaos.duration} and {@code -Draftkv.chaos.seed} (the pom sets 60s and a fixed
 * seed; {@code -Psoak} runs 2m).
 */
class ChaosCommandIT {
  @TempDir Path dir;

  /** Runs the command, echoing its output to this JVM's stdout; returns exit code and output. */
  private static Object[] chaos(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            buf.write(b);
            old.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            buf.write(b, off, len);
            old.write(b, off, len);
          }
        };
    try {
      System.setOut(new PrintStream(tee, true, StandardCharsets.UTF_8));
      String[] full = new String[args.length + 1];
      full[0] = "chaos";
      System.arraycopy(args, 0, full, 1, args.length);
      int code = Main.execute(full);
      return new Object[] {code, buf.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(old);
    }
  }

  private static int number(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    assertThat(m.find()).as("output has /%s/:%n%s", regex, output).isTrue();
    return Integer.parseInt(m.group(1));
  }

  @Test
  void aRunUnderEveryFaultIsLinearizableAndLosesNothing() throws Exception {
    String duration = System.getProperty("raftkv.chaos.duration", "60s");
    String seed = System.getProperty("raftkv.chaos.seed", "20261123");
    // Without --history, the history goes into the data directory.
    Path history = dir.resolve("data").resolve(ChaosCommand.DEFAULT_HISTORY);
    Object[] run =
        chaos("--duration", duration, "--seed", seed, "--data-dir", dir.resolve("data").toString());
    String out = (String) run[1];
    assertThat(run[0]).as(out).isEqualTo(0);
    assertThat(out)
        .contains("linearizability: LINEARIZABLE")
        .contains("acknowledged writes: all present or legitimately overwritten")
        .contains("hashKV: all 5 members agree")
        .contains("stale reads: 0, 0 of them")
        .contains("verdict: PASS");
    long seconds = Durations.parse(duration).toSeconds();
    // The nemesis injects a fault every 3-8 s; the clients manage well over 20 operations a second.
    assertThat(number(out, "faults injected: (\\d+)")).isGreaterThanOrEqualTo((int) (seconds / 10));
    int ops = number(out, "operations: (\\d+)");
    assertThat(ops).isGreaterThan((int) (20 * seconds));
    assertThat(number(out, "operations: \\d+ \\(ok (\\d+)")).isGreaterThan(ops / 2);
    // The history file is the one checked: re-checking it gives the same verdict.
    CheckResult again = LinearizabilityChecker.checkFile(history, Duration.ofMinutes(5));
    assertThat(again.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(again.operations()).isEqualTo(ops);
  }

  @Test
  void removingMembersAndAddingThemBackLosesNothing() throws Exception {
    Object[] run =
        chaos(
            "--duration",
            "25s",
            "--seed",
            "11",
            "--faults",
            "membership,kill",
            "--data-dir",
            dir.resolve("members").toString(),
            "--history",
            dir.resolve("members.jsonl").toString());
    String out = (String) run[1];
    assertThat(run[0]).as(out).isEqualTo(0);
    // Each removal is followed by the member's return under a new id on a fresh data dir.
    assertThat(out)
        .containsPattern("nemesis: remove member \\d \\(id \\w+\\) via \\d; it stopped itself")
        .contains("linearizability: LINEARIZABLE")
        .contains("acknowledged writes: all present or legitimately overwritten")
        .contains("hashKV: all 5 members agree")
        .contains("verdict: PASS");
    assertThat(number(out, "membership (\\d+)")).isGreaterThan(0);
  }

  @Test
  void serializableReadsFromAnIsolatedMemberAreCaughtAsNotLinearizable() throws Exception {
    Path history = dir.resolve("stale.jsonl");
    Object[] run =
        chaos(
            "--duration",
            "25s",
            "--seed",
            "7",
            "--serializable-reads",
            "--faults",
            "isolate",
            "--data-dir",
            dir.resolve("data").toString(),
            "--history",
            history.toString());
    String out = (String) run[1];
    assertThat(run[0]).as(out).isEqualTo(1);
    assertThat(out)
        .contains("linearizability: NOT LINEARIZABLE")
        .contains("the violation was complete")
        .contains("verdict: FAIL");
    // Members the nemesis isolated served stale reads while the majority moved on.
    assertThat(
            number(out, "stale reads: \\d+, (\\d+) of them from a member the nemesis had cut off"))
        .isGreaterThan(0);
    // Stale reads break linearizability only: the writes themselves are all there.
    assertThat(out)
        .contains("acknowledged writes: all present or legitimately overwritten")
        .contains("hashKV: all 5 members agree");
    assertThat(LinearizabilityChecker.checkFile(history, Duration.ofMinutes(5)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertThat(chaos("--duration", "soon")[0]).isEqualTo(2);
    assertThat(chaos("--faults", "meteor")[0]).isEqualTo(2);
    assertThat(chaos("--clients", "0")[0]).isEqualTo(2);
  }
}

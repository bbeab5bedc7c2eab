package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimulateCommandTest {

  private static String[] run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new String[] {
        String.valueOf(code),
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)
      };
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void runsTheProductionLoopByDefaultAndEndsWithTheSummaryLine() {
    String[] r = run("simulate", "--seeds", "6", "--start", "10", "--nodes", "5", "--steps", "200");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("in all runs (production loop)");
    assertThat(r[1].strip()).endsWith("6 passed, 0 failed");
  }

  @Test
  void runsTheCoreLoopOnRequest() {
    String[] r = run("simulate", "--loop", "core", "--seeds", "4", "--steps", "200");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("in all runs (core loop)");
    assertThat(r[1].strip()).endsWith("4 passed, 0 failed");
  }

  @Test
  void badLoopIsAUsageErrorNamingTheChoices() {
    String[] r = run("simulate", "--loop", "fast");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--loop must be production or core, got fast");
  }

  @Test
  void badNodeCountIsAUsageErrorNamingTheOption() {
    String[] r = run("simulate", "--nodes", "4");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--nodes must be 3, 5 or 7, got 4");
  }

  @Test
  void unknownOptionIsAUsageError() {
    String[] r = run("simulate", "--sedes", "4");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--sedes");
  }

  @Test
  void helpDescribesTheCommand() {
    String[] r = run("simulate", "--help");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1])
        .contains("--loop", "--seeds", "--start", "--nodes", "--steps", "N passed, M failed")
        .contains("NodeDriver", "torn prefix", "production|core");
  }
}

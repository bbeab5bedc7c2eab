package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
  @TempDir Path dir;

  private static int run(ByteArrayOutputStream out, String... args) {
    PrintStream old = System.out;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      return Main.execute(args);
    } finally {
      System.setOut(old);
    }
  }

  @Test
  void linearizableHistoryExitsZero() throws Exception {
    Path h = dir.resolve("ok.jsonl");
    Files.writeString(
        h,
        """
        {"id":1,"client":0,"kind":"put","key":"k","value":"a","invoke":100,"complete":180,"outcome":"ok","revision":2}
        {"id":2,"client":1,"kind":"get","key":"k","invoke":200,"complete":210,"outcome":"ok","readValue":"a","readModRev":2,"readCreateRev":2,"readVersion":1,"revision":2}
        """);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(run(out, "check", h.toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).containsIgnoringCase("linearizable");
  }

  @Test
  void staleReadIsReportedAndExitsOne() throws Exception {
    Path h = dir.resolve("stale.jsonl");
    // The put of "b" completed before the get began, yet the get returned "a".
    Files.writeString(
        h,
        """
        {"id":1,"client":0,"kind":"put","key":"k","value":"a","invoke":100,"complete":180,"outcome":"ok","revision":2}
        {"id":2,"client":0,"kind":"put","key":"k","value":"b","invoke":200,"complete":280,"outcome":"ok","revision":3}
        {"id":3,"client":1,"kind":"get","key":"k","invoke":300,"complete":310,"outcome":"ok","readValue":"a","readModRev":2,"readCreateRev":2,"readVersion":1,"revision":3}
        """);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(run(out, "check", h.toString())).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("k");
  }

  @Test
  void malformedBudgetIsAUsageError() {
    assertThat(run(new ByteArrayOutputStream(), "check", "--budget", "soon", "x.jsonl"))
        .isEqualTo(2);
  }
}

package dev.raftkv.compat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code etcdctl} (API v3) against a list of endpoints and captures its output. */
final class Etcdctl {
  /** What one run printed. */
  record Result(int exitCode, String stdout, String stderr) {
    /** Both streams, for assertion messages. */
    String all() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private final String endpoints;

  Etcdctl(String endpoints) {
    this.endpoints = endpoints;
  }

  /** Runs {@code etcdctl --endpoints=... args}, with nothing on stdin. */
  Result run(String... args) throws IOException, InterruptedException {
    return runWithInput("", args);
  }

  /**
   * Runs {@code etcdctl --endpoints=... args} with {@code input} on stdin, waiting at most 90
   * seconds.
   *
   * @throws AssertionError if etcdctl does not finish in time (it is killed)
   */
  Result runWithInput(String input, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("etcdctl");
    command.add("--endpoints=" + endpoints);
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    try (OutputStream stdin = p.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("etcdctl " + String.join(" ", args) + " did not finish in 90 s");
    }
    return new Result(p.exitValue(), out.join(), err.join());
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "<unreadable: " + e + ">";
          }
        });
  }
}

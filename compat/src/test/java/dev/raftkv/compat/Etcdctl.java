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
  private final List<String> globalFlags;

  Etcdctl(String endpoints) {
    this(endpoints, List.of());
  }

  /**
   * etcdctl against {@code endpoints} with {@code globalFlags} before every command's own arguments
   * (e.g. {@code --cacert}, {@code --cert}, {@code --key}; a command's own flag of the same name
   * comes later and wins).
   */
  Etcdctl(String endpoints, List<String> globalFlags) {
    this.endpoints = endpoints;
    this.globalFlags = List.copyOf(globalFlags);
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
    command.addAll(globalFlags);
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

  /**
   * Starts {@code etcdctl --endpoints=... args} in the background (for {@code watch}); stdin is
   * closed at once.
   */
  Running start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("etcdctl");
    command.add("--endpoints=" + endpoints);
    command.addAll(globalFlags);
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    p.getOutputStream().close();
    return new Running(p, args);
  }

  /** An etcdctl running in the background; {@link #stop} ends it and returns what it printed. */
  static final class Running implements AutoCloseable {
    private final Process process;

    // StringBuffer on purpose: the drain thread appends while awaitOutput reads it.
    @SuppressWarnings("JdkObsolete")
    private final StringBuffer out = new StringBuffer();

    private final CompletableFuture<Void> outDone;
    private final CompletableFuture<String> err;
    private final String[] args;

    private Running(Process process, String[] args) {
      this.process = process;
      this.args = args;
      this.err = drain(process.getErrorStream());
      this.outDone =
          CompletableFuture.runAsync(
              () -> {
                byte[] buf = new byte[4096];
                try (InputStream in = process.getInputStream()) {
                  int n;
                  while ((n = in.read(buf)) > 0) {
                    out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                  }
                } catch (IOException e) {
                  out.append("<unreadable: ").append(e).append('>');
                }
              });
    }

    /**
     * Waits until what it printed so far contains {@code text} (true) or {@code timeout} passes or
     * the process ends (false).
     */
    boolean awaitOutput(String text, java.time.Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (out.indexOf(text) >= 0) {
          return true;
        }
        if (!process.isAlive()) {
          outDone.join();
          return out.indexOf(text) >= 0;
        }
        Thread.sleep(20);
      }
      return false;
    }

    /**
     * Ends the process (SIGTERM, then SIGKILL after 5 s) and returns its output; the exit code is
     * what the signal made it.
     */
    Result stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      outDone.join();
      return new Result(process.exitValue(), out.toString(), err.join());
    }

    /** Kills the process if it still runs (an interrupt kills it at once and is kept). */
    @Override
    public void close() {
      if (!process.isAlive()) {
        return;
      }
      try {
        stop();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String toString() {
      return "etcdctl " + String.join(" ", args);
    }
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

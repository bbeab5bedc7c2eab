package dev.raftkv.cli.chaos;

import dev.raftkv.testkit.lin.CheckResult;
import dev.raftkv.testkit.lin.HistoryRecorder;
import dev.raftkv.testkit.lin.LinearizabilityChecker;
import dev.raftkv.testkit.lin.Op;
import dev.raftkv.testkit.lin.Violation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One {@code raftkv chaos} run: starts a 5-member cluster of real processes, runs the clients and
 * the {@link Nemesis} for the configured duration, heals, waits for convergence and runs the three
 * checks (linearizability, acknowledged writes, {@code HashKV} agreement).
 */
public final class ChaosRun {
  /** Members in the cluster. */
  public static final int MEMBERS = 5;

  static final int HEARTBEAT_MS = 50;
  static final int ELECTION_MS = 500;
  private static final long STARTUP_MILLIS = 90_000;
  private static final long HEAL_MILLIS = 90_000;

  private final ChaosOptions options;
  private final PrintStream out;

  public ChaosRun(ChaosOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /**
   * Runs and prints the summary; returns the exit code (see {@link ChaosReport#exitCode()}). Every
   * server process is killed before this returns.
   *
   * @throws IOException if the data dir or history file cannot be written, or members cannot start
   */
  public int run() throws IOException, InterruptedException {
    ChaosReport report = runAndReport();
    report.print(out);
    return report.exitCode();
  }

  ChaosReport runAndReport() throws IOException, InterruptedException {
    Path dir = options.dataDir();
    Files.createDirectories(dir);
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw new IOException("--data-dir " + dir + " is not empty (chaos needs fresh members)");
      }
    }
    try (LocalCluster cluster = new LocalCluster(dir, MEMBERS, HEARTBEAT_MS, ELECTION_MS)) {
      say(0, "starting " + MEMBERS + " members in " + dir);
      cluster.startAll();
      if (!LocalCluster.await(STARTUP_MILLIS, () -> cluster.leaderAmong(cluster.members()) != 0)) {
        throw new IOException(
            "the members did not elect a leader within "
                + STARTUP_MILLIS / 1000
                + " s; see "
                + dir
                + "/member-*.log");
      }
      try (MemberChannels channels = new MemberChannels(cluster)) {
        return drive(cluster, channels);
      }
    }
  }

  private ChaosReport drive(LocalCluster cluster, MemberChannels channels)
      throws IOException, InterruptedException {
    HistoryRecorder recorder = new HistoryRecorder(System::nanoTime);
    Map<Long, Integer> memberOf = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    say(
        start,
        "leader elected; "
            + options.clients()
            + " clients and the nemesis run for "
            + ChaosReport.human(options.duration()));
    List<ChaosClient> clients = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < options.clients(); c++) {
      ChaosClient client =
          new ChaosClient(c, options.seed(), recorder, memberOf, channels, MEMBERS, options);
      clients.add(client);
      Thread t = new Thread(client, "chaos-client-" + c);
      t.setDaemon(true);
      threads.add(t);
    }
    Nemesis nemesis = new Nemesis(cluster, channels, options.seed(), options.faults(), out, start);
    Thread nemesisThread = new Thread(nemesis, "chaos-nemesis");
    nemesisThread.setDaemon(true);
    threads.forEach(Thread::start);
    nemesisThread.start();

    long end = start + options.duration().toNanos();
    long nextProgress = start + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() - end < 0) {
      Thread.sleep(
          Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
      if (System.nanoTime() - nextProgress > 0) {
        say(start, recorder.history().size() + " operations so far");
        nextProgress += TimeUnit.SECONDS.toNanos(10);
      }
    }
    nemesis.stop();
    nemesisThread.join(60_000);
    clients.forEach(ChaosClient::stop);
    for (Thread t : threads) {
      t.join(options.opTimeout().toMillis() + 5_000);
    }
    say(start, "clients and nemesis stopped; healing everything");

    Convergence convergence = new Convergence(cluster, channels);
    List<String> problems = new ArrayList<>(nemesis.problems());
    problems.addAll(convergence.healAll(HEAL_MILLIS));
    Map<String, AckedWritesCheck.Version> finalState =
        convergence.finalReads(recorder, options.clients(), options.keys(), 30_000);
    if (finalState.size() < options.keys()) {
      problems.add("could not read every key after healing (read " + finalState.keySet() + ")");
    }
    say(start, "healed; waiting for every member to report the same hashKV");
    List<Convergence.MemberHash> hashes = convergence.awaitSameHash(60_000);
    List<Op> history = recorder.history();
    Files.createDirectories(options.history().toAbsolutePath().getParent());
    recorder.writeTo(options.history());

    List<String> acked;
    try {
      acked = AckedWritesCheck.check(history, finalState, convergence::at);
    } catch (Exception e) {
      acked = List.of();
      problems.add("checking acknowledged writes failed: " + e);
    }
    say(
        start,
        "checking "
            + history.size()
            + " operations for linearizability (budget "
            + ChaosReport.human(options.checkBudget())
            + ")");
    CheckResult lin = LinearizabilityChecker.check(history, options.checkBudget());
    StaleReads.Count stale = StaleReads.count(history, memberOf, nemesis.windows());
    return new ChaosReport(
        options,
        history,
        nemesis.injected(),
        problems,
        lin,
        acked,
        hashes,
        firstViolation(lin, start),
        stale,
        start,
        options.history());
  }

  /**
   * How long after {@code start} the violation was complete: the latest invocation among the
   * operations it names (for a stale read, the read).
   */
  private static Duration firstViolation(CheckResult lin, long start) {
    Violation v = lin.violation();
    if (v == null || v.involved().isEmpty()) {
      return null;
    }
    long last = Long.MIN_VALUE;
    for (Violation.Involved i : v.involved()) {
      last = Math.max(last, i.op().invokeNanos());
    }
    return Duration.ofNanos(Math.max(0, last - start));
  }

  /** Prints a progress line, timed from {@code start} (the clients' start; 0: before it). */
  private void say(long start, String what) {
    if (start == 0) {
      out.printf(Locale.ROOT, "[  setup ] %s%n", what);
    } else {
      out.printf(Locale.ROOT, "[%7.1fs] %s%n", (System.nanoTime() - start) / 1e9, what);
    }
  }
}

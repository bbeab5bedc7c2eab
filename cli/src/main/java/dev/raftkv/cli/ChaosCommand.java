package dev.raftkv.cli;

import dev.raftkv.cli.chaos.ChaosOptions;
import dev.raftkv.cli.chaos.ChaosRun;
import dev.raftkv.cli.chaos.FaultKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftkv chaos}: a fault-injecting test of a cluster of real server processes. */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Starts 5 raftkv server processes on 127.0.0.1 and runs --clients clients doing random get,"
          + " put and compare-and-set (etcd Txn comparing the mod revision or the value) on"
          + " --keys keys through the etcd gRPC API of random members, recording a history"
          + " (docs/history-format.md). Meanwhile a nemesis seeded by --seed injects one fault at"
          + " a time: kill -9 and restart, SIGSTOP/SIGCONT (of a random member or the leader),"
          + " partitions through the members' block lists (isolate one member or the leader,"
          + " majority/minority split, bridge, ring), leadership transfer, and removing a member"
          + " and adding it back (etcd MemberRemove, MemberAdd, a fresh data dir).",
      "After --duration it heals everything (unblock, SIGCONT, restart), waits for a leader,"
          + " reads every key, and checks (1) the history is linearizable (within --check-budget;"
          + " 'unknown' if that runs out), (2) every acknowledged write is present at its revision"
          + " and the final values were written by someone, (3) all members report the same"
          + " hashKV at the same revision. Prints a summary, writes the history to --history.",
      "The seed fixes the fault schedule and the clients' choices, not the interleaving, so a"
          + " replay (same --seed and options) repeats the same faults, not the same history;"
          + " 'raftkv check HISTORY' re-checks a recorded history exactly. See docs/chaos.md."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:no violation: linearizable, no acknowledged write lost, hashKV agrees",
      "1:a violation; or the harness failed (a fault it could not inject or heal, a member"
          + " that did not come back, a cluster that did not start)",
      "2:bad usage",
      "3:no violation found, but the linearizability verdict is unknown (budget exceeded)"
    })
final class ChaosCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      description =
          "How long clients and nemesis run, e.g. 60s or 10m (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(
      names = "--seed",
      description = "Seeds the fault schedule and the clients (default: random, printed).")
  Long seed;

  @Option(
      names = "--clients",
      defaultValue = "10",
      description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--keys",
      defaultValue = "5",
      description = "Keys k0..k<N-1> the clients work on (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(
      names = "--serializable-reads",
      description =
          "Gets ask for serializable reads (served from the member's local state, possibly"
              + " stale). The history is then expected NOT to be linearizable: lagging and cut-off"
              + " members serve stale reads.")
  boolean serializableReads;

  @Option(
      names = "--faults",
      split = ",",
      paramLabel = "KIND",
      description =
          "Fault kinds the nemesis picks from (default: all): kill, kill-leader, pause,"
              + " pause-leader, isolate, isolate-leader, split, bridge, ring, transfer-leader,"
              + " membership (remove a member, add it back on a fresh data dir); 'none' for no"
              + " faults.")
  List<String> faults;

  @Option(
      names = "--op-timeout",
      defaultValue = "1s",
      description =
          "A client's deadline per request; past it the outcome is unknown (default:"
              + " ${DEFAULT-VALUE}).")
  String opTimeout;

  @Option(
      names = "--check-budget",
      defaultValue = "5m",
      description =
          "How long the linearizability checker may search before saying unknown (default:"
              + " ${DEFAULT-VALUE}).")
  String checkBudget;

  @Option(
      names = "--data-dir",
      description =
          "An empty or new directory for the members' data and logs (default: a new temporary"
              + " directory, deleted after a passing run, kept after a failing one).")
  Path dataDir;

  @Option(
      names = "--history",
      description =
          "Where to write the history, JSON lines (default: history.jsonl in the data directory,"
              + " so a temporary one takes it along when a passing run deletes it).")
  Path history;

  /** The history's file name in the data directory when {@code --history} is not given. */
  static final String DEFAULT_HISTORY = "history.jsonl";

  @Override
  public Integer call() throws IOException, InterruptedException {
    Duration length = duration("--duration", duration);
    Duration timeout = duration("--op-timeout", opTimeout);
    Duration budget = duration("--check-budget", checkBudget);
    if (clients < 1 || keys < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--clients and --keys must be at least 1");
    }
    if (timeout.isZero()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--op-timeout must be positive");
    }
    Set<FaultKind> kinds = faultKinds();
    long s = seed != null ? seed : new java.util.Random().nextLong();
    boolean temporary = dataDir == null;
    Path dir = temporary ? Files.createTempDirectory("raftkv-chaos-") : dataDir;
    System.out.println(
        "raftkv chaos --seed "
            + s
            + " --duration "
            + duration
            + (serializableReads ? " --serializable-reads" : "")
            + " (faults: "
            + (kinds.isEmpty()
                ? "none"
                : String.join(",", kinds.stream().map(FaultKind::cliName).toList()))
            + ")");
    ChaosOptions options =
        new ChaosOptions(
            length,
            s,
            clients,
            keys,
            serializableReads,
            timeout,
            kinds,
            dir,
            history != null ? history : dir.resolve(DEFAULT_HISTORY),
            budget);
    int code = new ChaosRun(options, System.out).run();
    if (temporary && code == 0) {
      deleteTree(dir);
      if (history == null) {
        System.out.println(
            "the temporary data directory and its history are deleted (keep them with --data-dir"
                + " or --history)");
      }
    } else {
      System.out.println("member data and logs kept in " + dir);
    }
    return code;
  }

  private Set<FaultKind> faultKinds() {
    if (faults == null || faults.isEmpty()) {
      return FaultKind.available();
    }
    Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
    for (String f : faults) {
      if (f.trim().equals("none")) {
        continue;
      }
      FaultKind k;
      try {
        k = FaultKind.parse(f);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--faults: " + e.getMessage());
      }
      if (!FaultKind.available().contains(k)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--faults: "
                + k.cliName()
                + " needs etcd's Cluster MemberAdd/MemberRemove, which raftkv does not serve yet");
      }
      kinds.add(k);
    }
    return kinds;
  }

  private Duration duration(String option, String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + " " + e.getMessage());
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

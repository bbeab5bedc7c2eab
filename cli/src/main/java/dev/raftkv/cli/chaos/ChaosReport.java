package dev.raftkv.cli.chaos;

import dev.raftkv.testkit.lin.CheckResult;
import dev.raftkv.testkit.lin.Op;
import dev.raftkv.testkit.lin.OpKind;
import dev.raftkv.testkit.lin.Outcome;
import dev.raftkv.testkit.lin.Verdict;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a chaos run found, and its exit code: 0 when the history is linearizable, no acknowledged
 * write is missing and the members agree on {@code HashKV}; 1 on any violation; 3 when nothing was
 * violated but the checker ran out of budget (verdict unknown).
 *
 * @param history every operation recorded, final reads included
 * @param faults faults injected, by kind
 * @param problems things that went wrong in the harness (a fault that could not be healed, a member
 *     that did not come back); they fail the run like violations, since the checks cannot be
 *     trusted after them
 * @param lin the linearizability checker's result
 * @param ackedWriteViolations check (2)
 * @param hashes check (3): each member's HashKV answer
 * @param firstViolationAfter when the history is not linearizable: how long after the clients
 *     started the last operation the violation names was invoked (when the violation could first
 *     have been seen); null otherwise
 * @param staleReads gets that saw a revision older than one already returned (see {@link
 *     StaleReads})
 * @param startNanos when the clients started ({@link System#nanoTime()})
 */
record ChaosReport(
    ChaosOptions options,
    List<Op> history,
    Map<FaultKind, Integer> faults,
    List<String> problems,
    CheckResult lin,
    List<String> ackedWriteViolations,
    List<Convergence.MemberHash> hashes,
    Duration firstViolationAfter,
    StaleReads.Count staleReads,
    long startNanos,
    Path historyFile) {

  boolean hashesAgree() {
    return Convergence.agree(hashes);
  }

  /** 0 all good, 1 a violation or harness problem, 3 linearizability unknown otherwise. */
  int exitCode() {
    if (!problems.isEmpty()
        || lin.verdict() == Verdict.NOT_LINEARIZABLE
        || !ackedWriteViolations.isEmpty()
        || !hashesAgree()) {
      return 1;
    }
    return lin.verdict() == Verdict.UNKNOWN ? 3 : 0;
  }

  void print(PrintStream out) {
    Map<Outcome, Integer> byOutcome = new EnumMap<>(Outcome.class);
    Map<OpKind, int[]> byKind = new EnumMap<>(OpKind.class);
    for (Op op : history) {
      byOutcome.merge(op.outcome(), 1, Integer::sum);
      int[] c = byKind.computeIfAbsent(op.kind(), k -> new int[3]);
      c[op.outcome().ordinal()]++;
    }
    out.println("== raftkv chaos summary ==");
    out.printf(
        Locale.ROOT,
        "seed %d, %s, %d clients, %d keys, %s reads, op timeout %d ms%n",
        options.seed(),
        human(options.duration()),
        options.clients(),
        options.keys(),
        options.serializableReads() ? "serializable" : "linearizable",
        options.opTimeout().toMillis());
    out.printf(
        Locale.ROOT,
        "operations: %d (ok %d, fail %d, unknown %d)%n",
        history.size(),
        byOutcome.getOrDefault(Outcome.OK, 0),
        byOutcome.getOrDefault(Outcome.FAIL, 0),
        byOutcome.getOrDefault(Outcome.UNKNOWN, 0));
    for (Map.Entry<OpKind, int[]> e : byKind.entrySet()) {
      int[] c = e.getValue();
      out.printf(
          Locale.ROOT,
          "  %-6s ok %d, fail %d, unknown %d%n",
          e.getKey().wireName(),
          c[Outcome.OK.ordinal()],
          c[Outcome.FAIL.ordinal()],
          c[Outcome.UNKNOWN.ordinal()]);
    }
    int total = faults.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder f = new StringBuilder();
    faults.forEach(
        (k, n) -> f.append(f.length() == 0 ? "" : ", ").append(k.cliName()).append(' ').append(n));
    out.println("faults injected: " + total + (total == 0 ? "" : " (" + f + ")"));
    for (String p : problems) {
      out.println("HARNESS PROBLEM: " + p);
    }
    out.printf(
        Locale.ROOT,
        "linearizability: %s (checker ran %.3f s, budget %s)%n",
        lin.verdict().name().replace('_', ' '),
        lin.elapsed().toNanos() / 1e9,
        human(options.checkBudget()));
    if (lin.verdict() != Verdict.LINEARIZABLE) {
      out.print(lin.describe().indent(2));
    }
    if (firstViolationAfter != null) {
      out.printf(
          Locale.ROOT,
          "the violation was complete (its last operation invoked) %.1f s into the run%n",
          firstViolationAfter.toMillis() / 1000.0);
    }
    out.printf(
        Locale.ROOT,
        "stale reads: %d, %d of them from a member the nemesis had cut off%s%n",
        staleReads.total(),
        staleReads.fromCutOff(),
        staleReads.firstNanos() < 0
            ? ""
            : String.format(
                Locale.ROOT,
                "; the first %.1f s into the run",
                (staleReads.firstNanos() - startNanos) / 1e9));
    if (ackedWriteViolations.isEmpty()) {
      out.println("acknowledged writes: all present or legitimately overwritten");
    } else {
      out.println("acknowledged writes: " + ackedWriteViolations.size() + " VIOLATIONS");
      ackedWriteViolations.stream().limit(20).forEach(v -> out.println("  " + v));
    }
    if (hashesAgree()) {
      Convergence.MemberHash h = hashes.get(0);
      out.printf(
          Locale.ROOT,
          "hashKV: all %d members agree: revision %d hash %s%n",
          hashes.size(),
          h.revision(),
          Long.toHexString(h.hash()));
    } else {
      out.println("hashKV: MEMBERS DISAGREE");
      hashes.forEach(h -> out.println("  " + h));
    }
    out.println("history: " + historyFile);
    String verdict =
        switch (exitCode()) {
          case 0 -> "PASS";
          case 3 -> "UNKNOWN (checker budget exceeded; no violation found)";
          default -> "FAIL";
        };
    out.println("verdict: " + verdict);
  }

  /** {@code 90s}, {@code 10m}, {@code 500ms}. */
  static String human(Duration d) {
    long s = d.toSeconds();
    return s % 60 == 0 && s > 0
        ? (s / 60) + "m"
        : d.toMillis() % 1000 == 0 ? s + "s" : d.toMillis() + "ms";
  }
}

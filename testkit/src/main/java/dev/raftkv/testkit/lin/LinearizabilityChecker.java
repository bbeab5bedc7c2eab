package dev.raftkv.testkit.lin;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Checks that a history of KV operations is linearizable against etcd's semantics.
 *
 * <p>The check, in order:
 *
 * <ol>
 *   <li>Operations with outcome {@link Outcome#FAIL} are dropped (they did not take effect), and so
 *       are gets with outcome {@link Outcome#UNKNOWN} (they have no effect).
 *   <li>Cross-key revision checks, which per-key decomposition cannot see: when an OK operation
 *       {@code a} completed before an OK operation {@code b} was invoked, {@code b}'s header
 *       revision is at least {@code a}'s, and strictly greater if {@code b} wrote; and no two
 *       writes that wrote share a revision (each single-key write is its own etcd revision).
 *   <li>Each key on its own (P-compositionality: a history is linearizable iff each key's
 *       sub-history is, for the value part of the model), smallest sub-history first. Reported at
 *       once: a get or a successful CAS that saw a value no operation on the key writes, and a get
 *       whose mod revision {@code M} is older than a write of the key with a revision in {@code (M,
 *       header]}. Otherwise {@link KeySearch} (Wing and Gong with Lowe's memoisation) looks for a
 *       linearization under {@link KvModel}. The first key without one is the answer, so the
 *       failing key reported is the one with the fewest operations.
 * </ol>
 *
 * <p>The revision model is described on {@link KvModel}. The per-key search with the cross-key
 * checks is sound (NOT_LINEARIZABLE always means a real violation) but may accept some histories
 * whose revisions could only be explained by interleavings that differ per key.
 *
 * <p>The time budget covers the whole check; when it runs out (or the memo cache would exceed about
 * a third of the heap) the verdict is {@link Verdict#UNKNOWN} instead of hanging.
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  /** Checks {@code history} within {@code budget}, timed by {@link System#nanoTime()}. */
  public static CheckResult check(List<Op> history, Duration budget) {
    return check(history, budget, System::nanoTime);
  }

  /**
   * Checks {@code history} within {@code budget} as measured by {@code nanoClock}.
   *
   * @throws IllegalArgumentException if two operations share an id
   */
  public static CheckResult check(List<Op> history, Duration budget, LongSupplier nanoClock) {
    long start = nanoClock.getAsLong();
    long deadline = start + saturatedNanos(budget);
    Set<Long> ids = new HashSet<>();
    Map<String, List<Op>> byKey = new TreeMap<>();
    for (Op op : history) {
      if (!ids.add(op.id())) {
        throw new IllegalArgumentException("two operations have id " + op.id());
      }
      List<Op> ops = byKey.computeIfAbsent(op.key(), k -> new ArrayList<>());
      if (op.outcome() == Outcome.OK
          || (op.outcome() == Outcome.UNKNOWN && op.kind() != OpKind.GET)) {
        ops.add(op);
      }
    }
    int operations = history.size();
    int keys = byKey.size();
    Violation crossKey = checkRevisions(byKey);
    if (crossKey != null) {
      return new CheckResult(
          Verdict.NOT_LINEARIZABLE, operations, keys, 0, elapsed(nanoClock, start), crossKey, null);
    }
    List<Map.Entry<String, List<Op>>> order = new ArrayList<>(byKey.entrySet());
    order.sort(Comparator.comparingInt(e -> e.getValue().size())); // stable: ties by key
    int checked = 0;
    for (Map.Entry<String, List<Op>> e : order) {
      String key = e.getKey();
      List<Op> ops = e.getValue();
      Violation v = valuesNeverWritten(key, ops);
      if (v == null) {
        v = readsBehindTheirHeader(key, ops);
      }
      if (v == null) {
        KeySearch.Result r = assumingUnobservedWritesFailed(ops, nanoClock, deadline);
        if (r == null) {
          r = KeySearch.search(ops, nanoClock, deadline, maxMemoBytes());
        }
        switch (r.status()) {
          case LINEARIZABLE -> {}
          case NOT_LINEARIZABLE -> v = fromSearch(key, ops, r);
          case OUT_OF_TIME -> {
            return unknown(
                operations,
                keys,
                checked,
                nanoClock,
                start,
                "time budget of " + budget + " spent" + progress(key, ops, r));
          }
          case OUT_OF_MEMORY -> {
            return unknown(
                operations,
                keys,
                checked,
                nanoClock,
                start,
                "memo cache for key \""
                    + key
                    + "\" outgrew its memory budget"
                    + progress(key, ops, r));
          }
        }
      }
      checked++;
      if (v != null) {
        return new CheckResult(
            Verdict.NOT_LINEARIZABLE,
            operations,
            keys,
            checked,
            elapsed(nanoClock, start),
            v,
            null);
      }
      if (nanoClock.getAsLong() - deadline > 0 && checked < keys) {
        return unknown(
            operations, keys, checked, nanoClock, start, "time budget of " + budget + " spent");
      }
    }
    return new CheckResult(
        Verdict.LINEARIZABLE, operations, keys, checked, elapsed(nanoClock, start), null, null);
  }

  /** Reads a history file (see {@link HistoryJson}) and checks it. */
  public static CheckResult checkFile(Path file, Duration budget) throws IOException {
    return check(HistoryJson.read(file), budget);
  }

  private static CheckResult unknown(
      int operations, int keys, int checked, LongSupplier clock, long start, String reason) {
    return new CheckResult(
        Verdict.UNKNOWN, operations, keys, checked, elapsed(clock, start), null, reason);
  }

  /** Cross-key revision checks over the OK operations that recorded a revision. */
  static Violation checkRevisions(Map<String, List<Op>> byKey) {
    List<Op> withRev = new ArrayList<>();
    Map<Long, Op> writerOf = new HashMap<>();
    for (List<Op> ops : byKey.values()) {
      for (Op op : ops) {
        if (op.isOk() && op.revision() != Op.NO_REVISION) {
          withRev.add(op);
          if (op.isEffectiveWrite()) {
            Op other = writerOf.putIfAbsent(op.revision(), op);
            if (other != null) {
              return new Violation(
                  null,
                  "two writes got revision " + op.revision() + " (a write took effect twice?)",
                  List.of(),
                  null,
                  null,
                  List.of(
                      new Violation.Involved(other, "wrote at revision " + op.revision()),
                      new Violation.Involved(op, "also wrote at revision " + op.revision())));
            }
          }
        }
      }
    }
    List<Op> byComplete = new ArrayList<>(withRev);
    byComplete.sort(Comparator.comparingLong(Op::completeNanos).thenComparingLong(Op::id));
    List<Op> byInvoke = new ArrayList<>(withRev);
    byInvoke.sort(Comparator.comparingLong(Op::invokeNanos).thenComparingLong(Op::id));
    int j = 0;
    Op maxOp = null;
    for (Op b : byInvoke) {
      while (j < byComplete.size() && byComplete.get(j).completeNanos() < b.invokeNanos()) {
        Op a = byComplete.get(j++);
        if (maxOp == null || a.revision() > maxOp.revision()) {
          maxOp = a;
        }
      }
      if (maxOp == null) {
        continue;
      }
      boolean bad =
          b.isEffectiveWrite() ? b.revision() <= maxOp.revision() : b.revision() < maxOp.revision();
      if (bad) {
        return new Violation(
            null,
            "revision went backwards: "
                + (b.isEffectiveWrite() ? "a write that started after " : "an operation after ")
                + "revision "
                + maxOp.revision()
                + " was returned got revision "
                + b.revision(),
            List.of(),
            null,
            null,
            List.of(
                new Violation.Involved(
                    maxOp,
                    "completed at revision "
                        + maxOp.revision()
                        + " before #"
                        + b.id()
                        + " was invoked"),
                new Violation.Involved(
                    b,
                    b.isEffectiveWrite()
                        ? "wrote at revision " + b.revision() + ", not above " + maxOp.revision()
                        : "saw revision " + b.revision() + ", below " + maxOp.revision())));
      }
    }
    return null;
  }

  /**
   * A get that saw mod revision {@code M} at header revision {@code H} while some write of the key
   * got a revision in {@code (M, H]}: the store had applied that write when it answered, so the get
   * read an older version of the key.
   */
  private static Violation readsBehindTheirHeader(String key, List<Op> ops) {
    TreeMap<Long, Op> writes = new TreeMap<>();
    for (Op op : ops) {
      if (op.isEffectiveWrite() && op.revision() != Op.NO_REVISION) {
        writes.put(op.revision(), op);
      }
    }
    for (Op op : ops) {
      if (op.isOk()
          && op.kind() == OpKind.GET
          && op.readModRev() != Op.NO_REVISION
          && op.revision() != Op.NO_REVISION) {
        Map.Entry<Long, Op> w = writes.higherEntry(op.readModRev());
        if (w != null && w.getKey() <= op.revision()) {
          return new Violation(
              key,
              "a get read an older version of the key than its header revision shows",
              List.of(),
              null,
              null,
              List.of(
                  new Violation.Involved(w.getValue(), "wrote the key at revision " + w.getKey()),
                  new Violation.Involved(
                      op,
                      "saw mod revision "
                          + op.readModRev()
                          + " at revision "
                          + op.revision()
                          + ", after that write")));
        }
      }
    }
    return null;
  }

  /** A get or a successful CAS that saw a value that no operation on the key writes. */
  private static Violation valuesNeverWritten(String key, List<Op> ops) {
    Set<String> written = new HashSet<>();
    for (Op op : ops) {
      if (op.value() != null) {
        written.add(op.value());
      }
    }
    for (Op op : ops) {
      String seen = null;
      if (op.isOk() && op.kind() == OpKind.GET && op.readValue() != null) {
        seen = op.readValue();
      } else if (op.isOk() && op.kind() == OpKind.CAS && op.succeeded()) {
        seen = op.expectValue();
      }
      if (seen != null && !written.contains(seen)) {
        String what = op.kind() == OpKind.GET ? "read" : "compared equal to";
        String reason = "no operation writes \"" + seen + "\" to this key";
        return new Violation(
            key,
            "a " + op.kind().wireName() + " " + what + " a value never written",
            List.of(),
            null,
            null,
            List.of(new Violation.Involved(op, reason)));
      }
    }
    return null;
  }

  private static Violation fromSearch(String key, List<Op> ops, KeySearch.Result r) {
    List<Violation.Involved> involved = new ArrayList<>();
    for (KeySearch.Refusal f : r.refusals()) {
      involved.add(new Violation.Involved(f.op(), f.reason()));
    }
    String summary =
        r.blocked() == null
            ? "no linearization of the " + ops.size() + " operations on this key"
            : "no linearization of the "
                + ops.size()
                + " operations on this key: after the longest linearizable prefix ("
                + r.longestPrefix().size()
                + " operations) nothing fits before #"
                + r.blocked().id()
                + " returned";
    return new Violation(
        key, summary, r.longestPrefix(), r.stateAfterPrefix(), r.blocked(), involved);
  }

  /** How far the search of {@code key} got before it gave up, for the reason given. */
  private static String progress(String key, List<Op> ops, KeySearch.Result r) {
    List<Op> prefix = r.longestPrefix();
    return " (key \""
        + key
        + "\": the longest order found holds "
        + prefix.size()
        + " of its "
        + ops.size()
        + " operations"
        + (prefix.isEmpty() ? "" : ", up to operation " + prefix.get(prefix.size() - 1).id())
        + ")";
  }

  /** How many dropped writes are tried, latest call first, at a point where no order fits. */
  private static final int PUT_BACK_TRIES = 16;

  /** How many writes are put back at one operation without getting past it before giving up. */
  private static final int MAX_STUCK = 4;

  /**
   * First searches {@code ops} assuming that the writes of unknown outcome whose value nothing read
   * did not happen (always allowed for them). They never return, so the full search may try each at
   * every step, and with hundreds of them (a chaos run with kills) it outgrows any memory. When no
   * order exists that way, the search names the operation {@code b} nothing fits before (a get
   * whose version counts a write nobody read, say); the dropped writes called before {@code b}
   * returned are then tried one at a time, latest call first, each made due by {@code b}'s return
   * (it must have taken effect by then), and the first that gets the search past {@code b} is kept;
   * failing that, the first that fits at all, since {@code b} may need two (a few times at most).
   * Due times only narrow the orders looked for, so an order found is one of {@code ops}. Returns
   * that linearizable result, or null: then only the full search can decide.
   */
  private static KeySearch.Result assumingUnobservedWritesFailed(
      List<Op> ops, LongSupplier nanoClock, long deadline) {
    List<Op> kept = withoutUnobservedUnknownWrites(ops);
    if (kept.size() == ops.size()) {
      return null;
    }
    Set<Long> keptIds = new HashSet<>();
    kept.forEach(op -> keptIds.add(op.id()));
    List<Op> dropped = new ArrayList<>();
    for (Op op : ops) {
      if (!keptIds.contains(op.id())) {
        dropped.add(op);
      }
    }
    dropped.sort(Comparator.comparingLong(Op::invokeNanos).reversed());
    Map<Long, Long> forced = new HashMap<>();
    KeySearch.Result r = KeySearch.search(kept, forced, nanoClock, deadline, maxMemoBytes());
    int stuck = 0; // writes put back in a row without getting past the same operation
    while (true) {
      if (r.status() == KeySearch.Status.LINEARIZABLE) {
        return r;
      }
      if (r.status() != KeySearch.Status.NOT_LINEARIZABLE || r.blocked() == null) {
        return null;
      }
      Op blocked = r.blocked();
      Op chosen = null;
      KeySearch.Result next = null;
      boolean past = false;
      int tries = 0;
      for (Op candidate : dropped) {
        if (candidate.invokeNanos() > blocked.completeNanos()) {
          continue;
        }
        if (tries++ == PUT_BACK_TRIES) {
          break;
        }
        List<Op> with = new ArrayList<>(kept);
        with.add(candidate);
        Map<Long, Long> due = new HashMap<>(forced);
        due.put(candidate.id(), blocked.completeNanos());
        KeySearch.Result t = KeySearch.search(with, due, nanoClock, deadline, maxMemoBytes());
        if (t.status() == KeySearch.Status.LINEARIZABLE) {
          return t;
        }
        if (t.status() != KeySearch.Status.NOT_LINEARIZABLE || t.blocked() == null) {
          return null; // out of time or memory
        }
        if (t.blocked().id() != blocked.id()
            && t.longestPrefix().size() > r.longestPrefix().size()) {
          chosen = candidate; // it gets the search past the operation: keep it
          next = t;
          past = true;
          break;
        }
        if (chosen == null && t.longestPrefix().size() > r.longestPrefix().size()) {
          chosen = candidate; // it fits; another may be needed too (a version two ahead)
          next = t;
        }
      }
      stuck = past ? 0 : stuck + 1;
      if (chosen == null || stuck > MAX_STUCK) {
        return null;
      }
      kept.add(chosen);
      forced.put(chosen.id(), blocked.completeNanos());
      dropped.remove(chosen);
      r = next;
    }
  }

  /**
   * {@code ops} without the writes of unknown outcome whose value no get read and no compare named
   * (deletes of unknown outcome included): a linearization of what is left is one of {@code ops} in
   * which those writes failed, which an unknown outcome allows.
   */
  static List<Op> withoutUnobservedUnknownWrites(List<Op> ops) {
    Set<String> seen = KeySearch.valuesSeen(ops);
    List<Op> kept = new ArrayList<>(ops.size());
    for (Op op : ops) {
      if (op.outcome() != Outcome.UNKNOWN || (op.value() != null && seen.contains(op.value()))) {
        kept.add(op);
      }
    }
    return kept;
  }

  /** About a third of the heap, for one key's memo (the search's own estimate of its size). */
  private static long maxMemoBytes() {
    return Runtime.getRuntime().maxMemory() / 3;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  private static Duration elapsed(LongSupplier clock, long start) {
    return Duration.ofNanos(clock.getAsLong() - start);
  }
}

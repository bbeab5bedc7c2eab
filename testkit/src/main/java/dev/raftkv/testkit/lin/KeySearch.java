package dev.raftkv.testkit.lin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The search for a linearization of one key's operations: Wing and Gong's algorithm with Lowe's
 * memoisation, as in porcupine.
 *
 * <p>Calls and returns are kept in one doubly linked list in time order (a call before a return at
 * the same instant, so touching intervals count as concurrent). At each node of the search the
 * candidates to come next are the calls before the first return ({@link #candidates}). The search
 * linearizes a candidate if the model accepts it and the pair (linearized set, state) is new to the
 * memo cache, lifting its call and return out of the list, and goes on with the candidates of the
 * new node. When no candidate fits, it backtracks: undo the last linearized operation and try the
 * next candidate of the node below. Operations with an unknown outcome have no return: they may be
 * linearized anywhere after their call, and those left over at the end took effect after
 * everything, or never. The search succeeds when no operation with a return is left.
 *
 * <p>The stack is explicit (no recursion) and persistent (frames point down), the clock is looked
 * at every {@value #CLOCK_EVERY} steps, and the memo cache holds every (linearized set, state) pair
 * pushed: a pair seen before cannot lead to success, since it failed or is on the stack. Operations
 * with a return are numbered first, in call order, so a linearized set is stored compactly as where
 * it ends and the few operations missing below that (its holes). The memo's size is counted in
 * bytes against a budget; past it the search gives up ({@link Status#OUT_OF_MEMORY}). The
 * reductions that keep the search small on real histories are described on {@link #candidates},
 * {@link #withUnreadValuesMerged} and {@link #dueTimes}.
 */
final class KeySearch {
  /** How many steps between two looks at the clock. */
  private static final int CLOCK_EVERY = 1 << 10;

  /** The outcome of searching one key. */
  enum Status {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    OUT_OF_TIME,
    OUT_OF_MEMORY
  }

  /**
   * What the search found. On failure: the longest linearizable prefix found, the state after it,
   * the operation whose return came before anything could follow that prefix, and each operation
   * with outcome OK that could have come next, with the reason the model refused it.
   */
  record Result(
      Status status,
      List<Op> longestPrefix,
      String stateAfterPrefix,
      Op blocked,
      List<Refusal> refusals,
      long steps) {

    static Result of(Status status, long steps) {
      return new Result(status, List.of(), "", null, List.of(), steps);
    }
  }

  /** An operation the model refused after the longest prefix, and why. */
  record Refusal(Op op, String reason) {}

  private static final class Entry {
    final int op; // index into the ordered operations
    final boolean call;
    final long time;
    Entry match; // the return of a call of a definite operation; null otherwise
    Entry prev;
    Entry next;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  /**
   * One linearized operation, the state before it, and where the search was among the candidates of
   * the node below (to go on with the next one after backtracking). Frames link to the one below,
   * so the stack is a persistent list: remembering the longest prefix is keeping a pointer to its
   * top.
   */
  private record Frame(
      Entry call, KvModel.State before, Entry[] candidates, int next, Frame below, int depth) {}

  /**
   * A memo key: bits {@code [0, end)} set but for the {@code holes}, none from {@code end} on. The
   * holes are the operations not linearized below the furthest one that is: the few whose calls
   * overlap the frontier, and the writes of unknown outcome that nothing ever observed (those stay
   * out for good, so storing the bits after the first of them, as this once did, grew with the
   * history: 28 KB a key after a 10-minute chaos run).
   */
  private static final class Memo {
    final int end;
    final int[] holes;
    final KvModel.State state;
    final int hash;

    Memo(BitSet linearized, KvModel.State state) {
      this.end = linearized.length();
      int n = 0;
      for (int i = linearized.nextClearBit(0); i < end; i = linearized.nextClearBit(i + 1)) {
        n++;
      }
      this.holes = new int[n];
      n = 0;
      for (int i = linearized.nextClearBit(0); i < end; i = linearized.nextClearBit(i + 1)) {
        holes[n++] = i;
      }
      this.state = state;
      this.hash = (end * 31 + Arrays.hashCode(holes)) * 31 + state.hashCode();
    }

    /** Roughly what the entry costs in the memo set (object, array, set node). */
    long bytes() {
      return 96 + 4L * holes.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Memo m
          && m.hash == hash
          && m.end == end
          && Arrays.equals(m.holes, holes)
          && m.state.equals(state);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private KeySearch() {}

  /**
   * Searches a linearization of {@code history}, which all touch one key and have outcome OK or
   * UNKNOWN (no unknown gets).
   *
   * @param deadline the value of {@code clock} after which the search gives up
   * @param maxMemoBytes how large the memo may grow (roughly, in bytes) before the search gives up
   */
  static Result search(List<Op> history, LongSupplier clock, long deadline, long maxMemoBytes) {
    return search(history, Map.of(), clock, deadline, maxMemoBytes);
  }

  /**
   * {@link #search} with some operations of unknown outcome made due by a given time (an op id to a
   * time): they must then have taken effect by it. That only narrows the linearizations looked for,
   * so a linearization found is one of {@code history}; one not found may still exist.
   */
  static Result search(
      List<Op> history,
      Map<Long, Long> forcedDue,
      LongSupplier clock,
      long deadline,
      long maxMemoBytes) {
    Map<Long, Long> due = dueTimes(history);
    forcedDue.forEach((id, by) -> due.computeIfPresent(id, (k, was) -> Math.min(was, by)));
    List<Op> ops = ordered(history, due);
    List<Op> model = withUnreadValuesMerged(ops);
    Twins twins = new Twins(model);
    Entry head = new Entry(-1, false, Long.MIN_VALUE);
    link(head, entries(ops, due));
    int withReturn = 0;
    for (Op op : ops) {
      withReturn += due.get(op.id()) != Op.NOT_RETURNED ? 1 : 0;
    }
    BitSet linearized = new BitSet(ops.size());
    Set<Memo> memo = new HashSet<>();
    long memoBytes = 0;
    Frame top = null;
    KvModel.State state = KvModel.State.INITIAL;
    Entry[] candidates = candidates(head, twins, state, model);
    int next = 0; // the next of the candidates to try at this node
    Frame best = null;
    long steps = 0;
    while (withReturn > 0) {
      if (++steps % CLOCK_EVERY == 0) {
        if (clock.getAsLong() - deadline > 0) {
          return gaveUp(Status.OUT_OF_TIME, ops, best, steps);
        }
        if (memoBytes > maxMemoBytes) {
          return gaveUp(Status.OUT_OF_MEMORY, ops, best, steps);
        }
      }
      if (next < candidates.length) {
        Entry call = candidates[next++];
        KvModel.State after = KvModel.step(state, model.get(call.op), null);
        if (after == null) {
          continue;
        }
        linearized.set(call.op);
        Memo seen = new Memo(linearized, after);
        if (!memo.add(seen)) {
          linearized.clear(call.op);
          continue;
        }
        memoBytes += seen.bytes();
        top = new Frame(call, state, candidates, next, top, top == null ? 1 : top.depth() + 1);
        state = after;
        lift(call);
        if (call.match != null) {
          withReturn--;
        }
        if (best == null || top.depth() > best.depth()) {
          best = top;
        }
        candidates = candidates(head, twins, state, model);
        next = 0;
      } else { // nothing fits here: backtrack
        if (top == null) {
          break;
        }
        state = top.before();
        linearized.clear(top.call().op);
        unlift(top.call());
        if (top.call().match != null) {
          withReturn++;
        }
        candidates = top.candidates();
        next = top.next();
        top = top.below();
      }
    }
    if (withReturn == 0) {
      return Result.of(Status.LINEARIZABLE, steps);
    }
    return explain(ops, due, prefix(ops, best), steps);
  }

  private static List<Op> prefix(List<Op> ops, Frame best) {
    List<Op> prefix = new ArrayList<>();
    for (Frame f = best; f != null; f = f.below()) {
      prefix.add(ops.get(f.call().op));
    }
    Collections.reverse(prefix);
    return prefix;
  }

  /** Giving up: the longest prefix found so far says how far the search got. */
  private static Result gaveUp(Status status, List<Op> ops, Frame best, long steps) {
    return new Result(status, prefix(ops, best), "", null, List.of(), steps);
  }

  /**
   * The calls that may come next: those before the first return in the list, in the order to try
   * them: earliest return first, unknown outcomes last. The operation returning first must be
   * linearized before any later return, so trying it early (rather than the one called first)
   * follows the real order in most histories. Two reductions drop candidates without losing any
   * linearization:
   *
   * <ul>
   *   <li>If a candidate leaves the state as it is (a read that fits), it is the only one. Any way
   *       to go on can be changed to one that starts with it: no remaining operation has to precede
   *       it (it is a candidate) and it changes nothing for the others. This keeps the search from
   *       trying every order and subset of concurrent reads.
   *   <li>Of candidates that are twins (same kind, arguments and results; see {@link Twins}) only
   *       the first is kept. If a way to go on starts with a later twin {@code q} and places the
   *       first twin {@code p} later (or never, if unknown), swapping the two is another: {@code p}
   *       is a candidate, and {@code p} returns no later than {@code q}, so every operation that
   *       must follow {@code q} already followed {@code p}. This keeps the search from trying every
   *       subset of, say, unknown puts that nobody read.
   * </ul>
   */
  private static Entry[] candidates(Entry head, Twins twins, KvModel.State state, List<Op> model) {
    List<Entry> calls = new ArrayList<>();
    for (Entry e = head.next; e != null && e.call; e = e.next) {
      if (state.equals(KvModel.step(state, model.get(e.op), null))) {
        return new Entry[] {e};
      }
      calls.add(e);
    }
    calls.sort(
        Comparator.comparingLong((Entry e) -> e.match == null ? Long.MAX_VALUE : e.match.time)
            .thenComparingLong(e -> e.time)
            .thenComparingInt(e -> e.op));
    twins.newNode();
    List<Entry> kept = new ArrayList<>(calls.size());
    for (Entry e : calls) {
      if (twins.firstAtThisNode(e.op)) {
        kept.add(e);
      }
    }
    return kept.toArray(new Entry[0]);
  }

  /** The values some get in {@code ops} read or some compare named. */
  static Set<String> valuesSeen(List<Op> ops) {
    Set<String> seen = new HashSet<>();
    for (Op op : ops) {
      if (op.readValue() != null) {
        seen.add(op.readValue());
      }
      if (op.expectValue() != null) {
        seen.add(op.expectValue());
      }
    }
    return seen;
  }

  /**
   * {@code ops} with every written value that nobody read or compared with replaced by one marker
   * value. The model compares a key's value only with values that a get read or a CAS compared
   * with, so the states after two such writes behave the same; giving them one value lets the memo
   * cache see that (two concurrent unread puts in either order reach one state) and makes such puts
   * {@link Twins}.
   */
  static List<Op> withUnreadValuesMerged(List<Op> ops) {
    Set<String> seen = valuesSeen(ops);
    String marker = "(a value nobody read)";
    while (seen.contains(marker)) {
      marker += "'";
    }
    List<Op> model = new ArrayList<>(ops.size());
    for (Op op : ops) {
      model.add(op.value() == null || seen.contains(op.value()) ? op : withValue(op, marker));
    }
    return model;
  }

  private static Op withValue(Op op, String value) {
    return new Op(
        op.id(),
        op.client(),
        op.kind(),
        op.key(),
        value,
        op.expectValue(),
        op.expectModRev(),
        op.invokeNanos(),
        op.completeNanos(),
        op.outcome(),
        op.readValue(),
        op.readModRev(),
        op.readCreateRev(),
        op.readVersion(),
        op.succeeded(),
        op.revision());
  }

  /**
   * Groups operations that the model cannot tell apart: same kind, key, arguments, outcome and
   * results (after {@link #withUnreadValuesMerged}); only the client, id and times differ.
   */
  private static final class Twins {
    private record Signature(
        OpKind kind,
        String value,
        String expectValue,
        long expectModRev,
        Outcome outcome,
        String readValue,
        long readModRev,
        long readCreateRev,
        long readVersion,
        boolean succeeded,
        long revision) {}

    private final int[] group; // per operation
    private final int[] seenAt; // per group: the last node that kept one of its operations
    private int node;

    Twins(List<Op> model) {
      Map<Signature, Integer> groups = new HashMap<>();
      group = new int[model.size()];
      for (int i = 0; i < model.size(); i++) {
        Op op = model.get(i);
        Signature sig =
            new Signature(
                op.kind(),
                op.value(),
                op.expectValue(),
                op.expectModRev(),
                op.outcome(),
                op.readValue(),
                op.readModRev(),
                op.readCreateRev(),
                op.readVersion(),
                op.succeeded(),
                op.revision());
        group[i] = groups.computeIfAbsent(sig, k -> groups.size());
      }
      seenAt = new int[groups.size()];
    }

    void newNode() {
      node++;
    }

    /** Whether no twin of {@code op} was kept at this node yet; marks it kept. */
    boolean firstAtThisNode(int op) {
      if (seenAt[group[op]] == node) {
        return false;
      }
      seenAt[group[op]] = node;
      return true;
    }
  }

  /**
   * Explains a failure. After the longest prefix, the candidates are the calls (not in the prefix)
   * that come before the first return of an operation not in the prefix; each was refused by the
   * model (or it would have made a longer prefix). Unknown operations refused there would have had
   * no effect, so they are left out.
   */
  private static Result explain(List<Op> ops, Map<Long, Long> due, List<Op> prefix, long steps) {
    Set<Long> done = new HashSet<>();
    KvModel.State state = KvModel.State.INITIAL; // replayed with the real values, for the report
    for (Op op : prefix) {
      done.add(op.id());
      state = KvModel.step(state, op, null);
      if (state == null) {
        throw new AssertionError("the longest prefix does not replay at op " + op.id());
      }
    }
    List<Entry> entries = entries(ops, due);
    Op blocked = null;
    List<Refusal> refusals = new ArrayList<>();
    for (Entry e : entries) {
      Op op = ops.get(e.op);
      if (done.contains(op.id())) {
        continue;
      }
      if (!e.call) {
        blocked = op;
        break;
      }
      StringBuilder why = new StringBuilder();
      if (KvModel.step(state, op, why) == null && e.match != null) {
        refusals.add(new Refusal(op, why.toString()));
      }
    }
    return new Result(Status.NOT_LINEARIZABLE, prefix, state.describe(), blocked, refusals, steps);
  }

  /**
   * When each operation must be linearized by: its complete time if OK; for an unknown put or CAS
   * whose value is written by no other operation but was read by an OK get (or compared equal by a
   * successful CAS), the earliest complete time of those: it certainly took effect, before them;
   * {@link Op#NOT_RETURNED} for the other unknown operations. This turns the unknown writes a
   * history shows to have happened into operations with a return, which the search places in time
   * instead of trying them everywhere.
   */
  static Map<Long, Long> dueTimes(List<Op> history) {
    Map<String, Integer> writers = new HashMap<>();
    Map<String, Long> firstSeen = new HashMap<>();
    for (Op op : history) {
      if (op.value() != null) {
        writers.merge(op.value(), 1, Integer::sum);
      }
      String seen =
          op.isOk() && op.kind() == OpKind.GET
              ? op.readValue()
              : op.isOk() && op.kind() == OpKind.CAS && op.succeeded() ? op.expectValue() : null;
      if (seen != null) {
        firstSeen.merge(seen, op.completeNanos(), Math::min);
      }
    }
    Map<Long, Long> due = new HashMap<>();
    for (Op op : history) {
      long by = op.completeNanos();
      if (op.outcome() == Outcome.UNKNOWN
          && op.value() != null
          && writers.get(op.value()) == 1
          && firstSeen.containsKey(op.value())) {
        by = Math.max(op.invokeNanos(), firstSeen.get(op.value())); // earlier: no linearization
      }
      due.put(op.id(), by);
    }
    return due;
  }

  /** Operations with a due time first, each group in call order (ids break ties). */
  private static List<Op> ordered(List<Op> history, Map<Long, Long> due) {
    List<Op> ops = new ArrayList<>(history);
    ops.sort(
        Comparator.comparing((Op op) -> due.get(op.id()) == Op.NOT_RETURNED)
            .thenComparingLong(Op::invokeNanos)
            .thenComparingLong(Op::id));
    return ops;
  }

  /** The calls of all operations and the returns of those with a due time, in time order. */
  private static List<Entry> entries(List<Op> ops, Map<Long, Long> due) {
    List<Entry> entries = new ArrayList<>(2 * ops.size());
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      Entry call = new Entry(i, true, op.invokeNanos());
      entries.add(call);
      long by = due.get(op.id());
      if (by != Op.NOT_RETURNED) {
        call.match = new Entry(i, false, by);
        entries.add(call.match);
      }
    }
    entries.sort(
        Comparator.comparingLong((Entry e) -> e.time)
            .thenComparing(e -> !e.call) // calls first at equal times: touching = concurrent
            .thenComparingLong(e -> ops.get(e.op).id()));
    return entries;
  }

  private static void link(Entry head, List<Entry> entries) {
    Entry last = head;
    for (Entry e : entries) {
      last.next = e;
      e.prev = last;
      last = e;
    }
  }

  /** Removes a call and its return from the list; they keep their own links for unlift. */
  private static void lift(Entry call) {
    remove(call);
    if (call.match != null) {
      remove(call.match);
    }
  }

  /** Undoes {@link #lift}; unlifts must come in the reverse order of lifts. */
  private static void unlift(Entry call) {
    if (call.match != null) {
      restore(call.match);
    }
    restore(call);
  }

  private static void remove(Entry e) {
    e.prev.next = e.next;
    if (e.next != null) {
      e.next.prev = e.prev;
    }
  }

  private static void restore(Entry e) {
    e.prev.next = e;
    if (e.next != null) {
      e.next.prev = e;
    }
  }
}

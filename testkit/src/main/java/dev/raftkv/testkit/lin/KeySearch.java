package dev.raftkv.testkit.lin;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The search for a linearization of one key's operations: Wing and Gong's algorithm with Lowe's
 * memoisation, as in porcupine.
 *
 * <p>Calls and returns are kept in one doubly linked list in time order (a call before a return at
 * the same instant, so touching intervals count as concurrent). The search walks the list: at a
 * call it tries to linearize that operation now (the model accepts it and the pair (linearized set,
 * state) was not seen before); if so it lifts the call and its return out of the list and starts
 * again from the head. Reaching a return means its operation was not linearized in time, so it
 * backtracks: undo the last linearized operation and try the next call after it. Operations with an
 * unknown outcome have no return: they may be linearized anywhere after their call, and those left
 * over at the end are taken to happen after everything (or never). The search succeeds when no
 * operation with a return is left.
 *
 * <p>The stack is explicit (no recursion). The memo cache holds every (linearized set, state) pair
 * pushed; a pair seen before cannot lead to success, since it failed or is an ancestor.
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
   * the operation whose return could not be reached, and each operation that could have come next
   * with the reason the model refused it.
   */
  record Result(
      Status status,
      List<Op> longestPrefix,
      String stateAfterPrefix,
      Op blocked,
      List<Refusal> refusals,
      long steps) {}

  /** An operation the model refused after the longest prefix, and why. */
  record Refusal(Op op, String reason) {}

  private static final class Entry {
    final int op; // index into ops
    final boolean call;
    final long time;
    Entry match; // the return of a call; null for a call without return
    Entry prev;
    Entry next;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  private record Frame(Entry call, KvModel.State before) {}

  private record Memo(BitSet linearized, KvModel.State state) {}

  private KeySearch() {}

  /**
   * Searches a linearization of {@code ops}, which all touch one key and have outcome OK or UNKNOWN
   * (no unknown gets).
   *
   * @param deadline the value of {@code clock} after which the search gives up
   * @param maxMemo the most memo entries to keep before giving up
   */
  static Result search(List<Op> ops, LongSupplier clock, long deadline, long maxMemo) {
    int n = ops.size();
    Entry head = buildList(ops);
    int withReturn = 0;
    for (Op op : ops) {
      withReturn += op.outcome() == Outcome.OK ? 1 : 0;
    }
    BitSet linearized = new BitSet(n);
    Set<Memo> memo = new HashSet<>();
    Deque<Frame> stack = new ArrayDeque<>();
    KvModel.State state = KvModel.State.INITIAL;
    Entry entry = head.next;
    int best = -1;
    KvModel.State bestState = state;
    long steps = 0;
    List<Frame> bestFrames = new ArrayList<>();
    while (withReturn > 0) {
      if (++steps % CLOCK_EVERY == 0) {
        if (clock.getAsLong() - deadline > 0) {
          return new Result(Status.OUT_OF_TIME, List.of(), "", null, List.of(), steps);
        }
        if (memo.size() > maxMemo) {
          return new Result(Status.OUT_OF_MEMORY, List.of(), "", null, List.of(), steps);
        }
      }
      if (entry.call) {
        Op op = ops.get(entry.op);
        KvModel.State next = KvModel.step(state, op, null);
        if (next != null) {
          linearized.set(entry.op);
          if (memo.add(new Memo((BitSet) linearized.clone(), next))) {
            stack.push(new Frame(entry, state));
            state = next;
            lift(entry);
            if (entry.match != null) {
              withReturn--;
            }
            if (stack.size() > best) {
              best = stack.size();
              bestFrames = new ArrayList<>(stack);
              bestState = state;
            }
            entry = head.next;
            continue;
          }
          linearized.clear(entry.op);
        }
        entry = entry.next;
      } else {
        if (stack.isEmpty()) {
          break;
        }
        Frame top = stack.pop();
        state = top.before();
        linearized.clear(top.call().op);
        unlift(top.call());
        if (top.call().match != null) {
          withReturn++;
        }
        entry = top.call().next;
      }
    }
    if (withReturn == 0) {
      return new Result(Status.LINEARIZABLE, List.of(), "", null, List.of(), steps);
    }
    // Failed: replay the longest prefix to find what could not come after it.
    List<Op> bestPrefix = new ArrayList<>();
    for (int i = bestFrames.size() - 1; i >= 0; i--) {
      bestPrefix.add(ops.get(bestFrames.get(i).call().op));
    }
    if (best <= 0) {
      bestState = KvModel.State.INITIAL;
    }
    return explain(ops, bestPrefix, bestState, steps);
  }

  /**
   * After the longest prefix, the candidates are the calls (not in the prefix) that come before the
   * first return of an operation not in the prefix; every one was refused by the model.
   */
  private static Result explain(List<Op> ops, List<Op> prefix, KvModel.State state, long steps) {
    Set<Long> done = new HashSet<>();
    for (Op op : prefix) {
      done.add(op.id());
    }
    List<Entry> entries = sortedEntries(ops);
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
      if (KvModel.step(state, op, why) == null && op.outcome() == Outcome.OK) {
        refusals.add(new Refusal(op, why.toString()));
      }
    }
    return new Result(Status.NOT_LINEARIZABLE, prefix, state.describe(), blocked, refusals, steps);
  }

  private static List<Entry> sortedEntries(List<Op> ops) {
    List<Entry> entries = new ArrayList<>(2 * ops.size());
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      Entry call = new Entry(i, true, op.invokeNanos());
      entries.add(call);
      if (op.outcome() == Outcome.OK) {
        Entry ret = new Entry(i, false, op.completeNanos());
        call.match = ret;
        entries.add(ret);
      }
    }
    entries.sort(
        Comparator.comparingLong((Entry e) -> e.time)
            .thenComparing(e -> !e.call) // calls first at equal times: touching = concurrent
            .thenComparingLong(e -> ops.get(e.op).id()));
    return entries;
  }

  /** The sentinel head of the doubly linked list of entries in time order. */
  private static Entry buildList(List<Op> ops) {
    Entry head = new Entry(-1, false, Long.MIN_VALUE);
    Entry last = head;
    for (Entry e : sortedEntries(ops)) {
      last.next = e;
      e.prev = last;
      last = e;
    }
    return head;
  }

  /** Removes a call and its return from the list; they keep their own links for unlift. */
  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    if (ret != null) {
      ret.prev.next = ret.next;
      if (ret.next != null) {
        ret.next.prev = ret.prev;
      }
    }
  }

  /** Undoes {@link #lift}; unlifts must come in the reverse order of lifts. */
  private static void unlift(Entry call) {
    Entry ret = call.match;
    if (ret != null) {
      ret.prev.next = ret;
      if (ret.next != null) {
        ret.next.prev = ret;
      }
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}

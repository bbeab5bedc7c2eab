package dev.raftkv.testkit.sim;

import dev.raftkv.runtime.Applied;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What clients of a {@link DriverSimulation} were told, and the checks on it: a proposal's future
 * completes with its own entry (the state machine's result for it is the value proposed), a
 * linearizable read is served at an index at least that of every write acknowledged before it began
 * and only once the member applied that far, and in the end every acknowledged write is applied, at
 * its index, on every member.
 */
final class Acknowledgements {
  /** A write whose proposal future completed: it was applied at {@code index}. */
  record Ack(long index, String value, long member) {}

  private final List<Ack> acked = new ArrayList<>();
  private long maxAckedIndex;
  private long readsServed;

  /**
   * The future of {@code proposed} at {@code member} completed with {@code applied}.
   *
   * @throws InvariantViolation if it completed with another entry's result
   */
  void acknowledged(long member, String proposed, Applied applied) {
    if (!proposed.equals(applied.result())) {
      throw new InvariantViolation(
          "A proposal completes with its own entry",
          "the proposal of "
              + proposed
              + " at member "
              + member
              + " completed with index "
              + applied.index()
              + " whose result is "
              + applied.result());
    }
    acked.add(new Ack(applied.index(), proposed, member));
    maxAckedIndex = Math.max(maxAckedIndex, applied.index());
  }

  /** What a read starting now must reflect: the highest index of a write acknowledged so far. */
  long readFloor() {
    return maxAckedIndex;
  }

  /**
   * A read begun when {@link #readFloor()} was {@code floor} was served at {@code index} on a
   * member whose state machine has applied {@code machineApplied}.
   *
   * @throws InvariantViolation if the read could miss an acknowledged write
   */
  void readServed(long member, long floor, long index, long machineApplied) {
    readsServed++;
    if (index < floor) {
      throw new InvariantViolation(
          "Linearizable reads",
          "a read at member "
              + member
              + " was served at index "
              + index
              + " below a write acknowledged at "
              + floor
              + " before it began");
    }
    if (machineApplied < index) {
      throw new InvariantViolation(
          "Linearizable reads",
          "a read at member "
              + member
              + " was released at index "
              + index
              + " while its state machine had applied only "
              + machineApplied);
    }
  }

  int acknowledgedCount() {
    return acked.size();
  }

  long readsServed() {
    return readsServed;
  }

  /**
   * Every acknowledged write is applied at its index on every member of {@code writes}.
   *
   * @param writes each final member's applied writes, in order
   * @throws InvariantViolation naming the first write missing
   */
  void checkDurable(Map<Long, List<SimStateMachine.Write>> writes) {
    for (Map.Entry<Long, List<SimStateMachine.Write>> m : writes.entrySet()) {
      Set<SimStateMachine.Write> applied = new HashSet<>(m.getValue());
      for (Ack a : acked) {
        if (!applied.contains(new SimStateMachine.Write(a.index(), a.value()))) {
          throw new InvariantViolation(
              "Durability",
              "write "
                  + a.value()
                  + " acknowledged at index "
                  + a.index()
                  + " (proposed at member "
                  + a.member()
                  + ") is not applied there on member "
                  + m.getKey());
        }
      }
    }
  }
}

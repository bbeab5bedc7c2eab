package dev.raftkv.cli.chaos;

import dev.raftkv.testkit.lin.Op;
import dev.raftkv.testkit.lin.OpKind;
import dev.raftkv.testkit.lin.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Counts stale reads in a history, and how many of them came from a member the nemesis had cut off
 * at the time: a diagnostic next to the checker's verdict, which names only the first violation.
 *
 * <p>A get is <em>stale</em> when its header revision is below the header revision of some ok
 * operation that completed before the get was invoked (the store had already moved past what the
 * get saw; a linearizable read never does this). It is <em>from a cut-off member</em> when the
 * member that answered was in a {@link FaultWindow}'s cut-off set while the get was in flight.
 */
final class StaleReads {
  /**
   * @param total stale reads
   * @param fromCutOff those answered by a member cut off at the time
   * @param firstNanos invoke time of the first stale read ({@code -1}: none)
   */
  record Count(int total, int fromCutOff, long firstNanos) {}

  private StaleReads() {}

  /**
   * @param memberOf the member each operation was sent to, by operation id (missing: unknown)
   */
  static Count count(List<Op> history, Map<Long, Integer> memberOf, List<FaultWindow> windows) {
    List<Op> completed = new ArrayList<>();
    List<Op> gets = new ArrayList<>();
    for (Op op : history) {
      if (op.outcome() == Outcome.OK && op.revision() != Op.NO_REVISION) {
        completed.add(op);
        if (op.kind() == OpKind.GET) {
          gets.add(op);
        }
      }
    }
    completed.sort(Comparator.comparingLong(Op::completeNanos));
    gets.sort(Comparator.comparingLong(Op::invokeNanos));
    int total = 0;
    int fromCutOff = 0;
    long first = -1;
    long maxBefore = Long.MIN_VALUE;
    int next = 0;
    for (Op get : gets) {
      while (next < completed.size() && completed.get(next).completeNanos() < get.invokeNanos()) {
        maxBefore = Math.max(maxBefore, completed.get(next).revision());
        next++;
      }
      if (get.revision() < maxBefore) {
        total++;
        first = first < 0 ? get.invokeNanos() : first;
        Integer member = memberOf.get(get.id());
        if (member != null && windows.stream().anyMatch(w -> w.cutOffDuring(member, get))) {
          fromCutOff++;
        }
      }
    }
    return new Count(total, fromCutOff, first);
  }
}

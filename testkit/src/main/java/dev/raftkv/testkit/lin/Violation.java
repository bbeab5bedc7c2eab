package dev.raftkv.testkit.lin;

import java.util.List;
import java.util.Objects;

/**
 * Why a history is not linearizable, in terms of its operations.
 *
 * @param key the key whose operations have no linearization; {@code null} when the violation is
 *     across keys (revisions going backwards in real time, two writes with one revision)
 * @param summary one line saying what is wrong
 * @param longestPrefix for a key: the longest sequence of its operations found to be a valid
 *     linearization of an initial part of the history (empty when none, or across keys)
 * @param stateAfterPrefix for a key: the key's state after {@code longestPrefix}; otherwise {@code
 *     null}
 * @param blocked for a key: the operation that returned before any order let it be linearized after
 *     {@code longestPrefix}; {@code null} otherwise
 * @param involved the operations that show the violation, each with the reason it cannot be placed:
 *     for a key, every operation that could have come right after {@code longestPrefix}; across
 *     keys, the two conflicting operations
 */
public record Violation(
    String key,
    String summary,
    List<Op> longestPrefix,
    String stateAfterPrefix,
    Op blocked,
    List<Involved> involved) {

  /** An operation of a violation and what is wrong with it. */
  public record Involved(Op op, String reason) {
    public Involved {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(reason, "reason");
    }
  }

  public Violation {
    Objects.requireNonNull(summary, "summary");
    longestPrefix = List.copyOf(longestPrefix);
    involved = List.copyOf(involved);
  }
}

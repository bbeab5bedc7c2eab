package dev.raftkv.cli.chaos;

import dev.raftkv.testkit.lin.Op;
import dev.raftkv.testkit.lin.OpKind;
import dev.raftkv.testkit.lin.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Check (2) of a chaos run: every acknowledged write is present or was legitimately overwritten.
 *
 * <p>For each acknowledged write (a put with outcome ok, or a CAS that succeeded) of value {@code
 * v} at revision {@code r}: reading its key as of revision {@code r} gives {@code v} with mod
 * revision {@code r} (the write is in the store's history where the client was told it is); and the
 * key's final mod revision is at least {@code r}, holding a value some operation of the history
 * wrote (so the write was overwritten by a later write, not lost or replaced by an invented value).
 * A write whose header revision is unknown is skipped (none are, with raftkv's answers), and so is
 * a write to a key missing from the final state (it could not be read: the run reports that).
 */
final class AckedWritesCheck {
  /** Reads the store. */
  interface Store {
    /**
     * The key's value as of {@code revision} and its mod revision then, or null when absent then.
     */
    Version at(String key, long revision) throws Exception;
  }

  /** A key's value and mod revision. */
  record Version(String value, long modRevision) {}

  private AckedWritesCheck() {}

  /**
   * Returns the violations found, one line each (empty: none).
   *
   * @param finalState each key's final value and mod revision (null: absent), read after healing;
   *     keys that could not be read are left out
   */
  static List<String> check(List<Op> history, Map<String, Version> finalState, Store store)
      throws Exception {
    List<String> violations = new ArrayList<>();
    Set<String> writtenValues = new HashSet<>();
    for (Op op : history) {
      if (op.value() != null && op.outcome() != Outcome.FAIL) {
        writtenValues.add(op.key() + "=" + op.value());
      }
    }
    for (Map.Entry<String, Version> e : finalState.entrySet()) {
      Version v = e.getValue();
      if (v != null && !writtenValues.contains(e.getKey() + "=" + v.value())) {
        violations.add(
            "key "
                + e.getKey()
                + " finally holds \""
                + v.value()
                + "\" at revision "
                + v.modRevision()
                + ", which no operation wrote");
      }
    }
    for (Op op : history) {
      boolean acked =
          op.outcome() == Outcome.OK
              && (op.kind() == OpKind.PUT || (op.kind() == OpKind.CAS && op.succeeded()));
      if (!acked || op.revision() == Op.NO_REVISION) {
        continue;
      }
      if (!finalState.containsKey(op.key())) {
        continue; // the key could not be read after healing: a harness problem, reported as such
      }
      Version last = finalState.get(op.key());
      if (last == null || last.modRevision() < op.revision()) {
        violations.add(
            "acknowledged "
                + op.brief()
                + " is lost: the key's final mod revision is "
                + (last == null ? "none (absent)" : last.modRevision()));
        continue;
      }
      Version then = store.at(op.key(), op.revision());
      if (then == null || then.modRevision() != op.revision() || !then.value().equals(op.value())) {
        violations.add(
            "acknowledged "
                + op.brief()
                + " is not in the store's history: as of revision "
                + op.revision()
                + " the key "
                + (then == null
                    ? "is absent"
                    : "holds \"" + then.value() + "\" from revision " + then.modRevision()));
      }
    }
    return violations;
  }
}

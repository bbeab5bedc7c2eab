package dev.raftkv.testkit.lin;

/** The answer of the linearizability checker. */
public enum Verdict {
  /** Every key has a linearization and the cross-key revision checks pass. */
  LINEARIZABLE,
  /** A definite violation was found; it is described in {@link CheckResult#violation()}. */
  NOT_LINEARIZABLE,
  /** The time or memory budget ran out before an answer; no violation was found so far. */
  UNKNOWN
}

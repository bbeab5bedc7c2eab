package dev.raftkv.testkit.sim;

/** A Raft safety or liveness property that a simulated run broke. */
public final class InvariantViolation extends RuntimeException {
  private final String invariant;

  public InvariantViolation(String invariant, String detail) {
    super(invariant + ": " + detail);
    this.invariant = invariant;
  }

  public InvariantViolation(String invariant, String detail, Throwable cause) {
    super(invariant + ": " + detail, cause);
    this.invariant = invariant;
  }

  /** The name of the property, e.g. "Election Safety". */
  public String invariant() {
    return invariant;
  }
}

package dev.raftkv.testkit.lin;

/** What the client learned about an operation. */
public enum Outcome {
  /** The store answered; the operation took effect exactly once, with the recorded results. */
  OK,
  /**
   * The operation definitely did not take effect (for example, the request was rejected before it
   * was proposed). The checker drops it. Record a timeout as {@link #UNKNOWN}, never as this.
   */
  FAIL,
  /**
   * No answer (timeout, lost connection): the operation may take effect at any moment after its
   * invocation, even after the client gave up, or never. Its results are not known.
   */
  UNKNOWN;

  /** The name used in history files ({@code ok}, {@code fail}, {@code unknown}). */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}

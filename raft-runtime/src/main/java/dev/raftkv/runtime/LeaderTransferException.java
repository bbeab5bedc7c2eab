package dev.raftkv.runtime;

/**
 * A leadership transfer that did not happen: the node gave it up after an election timeout, or
 * another member won the election it started. Leadership may be anywhere afterwards; asking again
 * is safe.
 */
public final class LeaderTransferException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that names the target and what happened instead. */
  public LeaderTransferException(String message) {
    super(message);
  }
}

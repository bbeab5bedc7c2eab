package dev.raftkv.raft;

/** The requested index lies beyond the last entry, or a snapshot is not ready yet. */
public final class UnavailableException extends StorageException {
  public UnavailableException(String message) {
    super(message);
  }
}

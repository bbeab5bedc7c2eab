package dev.raftkv.raft;

/** A {@link Storage} read that cannot be answered; the subclasses name why. */
public abstract class StorageException extends RuntimeException {
  protected StorageException(String message) {
    super(message);
  }
}

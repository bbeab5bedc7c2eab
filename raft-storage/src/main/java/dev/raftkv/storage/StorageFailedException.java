package dev.raftkv.storage;

/**
 * A write or fsync failed (an I/O error, or the disk is full). Storage is fail-stop: a failed fsync
 * is never retried, because the kernel may have dropped the dirty pages it could not write. Once
 * thrown, every later call on the same storage throws this again, naming the original error.
 */
public final class StorageFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}

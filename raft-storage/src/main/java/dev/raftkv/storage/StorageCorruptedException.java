package dev.raftkv.storage;

/**
 * The data directory holds something recovery must not paper over: a bad checksum before the tail
 * of the log, a missing segment, an unreadable snapshot, or a member file of another cluster. The
 * node must not start; the message names the file and, where it applies, the byte offset.
 */
public final class StorageCorruptedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageCorruptedException(String message) {
    super(message);
  }
}

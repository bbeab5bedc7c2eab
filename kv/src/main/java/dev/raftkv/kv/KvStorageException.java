package dev.raftkv.kv;

/**
 * RocksDB failed to read or write. The store's in-memory state did not change, but the caller
 * cannot know what reached the disk: a node must stop (as on an fsync error) and recover from its
 * data directory on restart.
 */
public final class KvStorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KvStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}

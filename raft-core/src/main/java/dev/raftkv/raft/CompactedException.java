package dev.raftkv.raft;

/** The requested index lies before the first entry still kept: it is covered by a snapshot. */
public final class CompactedException extends StorageException {
  public CompactedException(long index, long firstIndex) {
    super("log index " + index + " is compacted (first available index is " + firstIndex + ")");
  }
}

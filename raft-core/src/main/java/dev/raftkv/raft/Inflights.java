package dev.raftkv.raft;

/**
 * The appends sent to one follower and not yet acknowledged, as a ring of their last indexes
 * (ascending) with their sizes. Bounds both the count and the bytes in flight, so a leader
 * pipelines appends without flooding a slow follower.
 */
final class Inflights {
  private final long[] indexes;
  private final long[] sizes;
  private final long maxBytes;
  private int start;
  private int count;
  private long bytes;

  Inflights(int maxCount, long maxBytes) {
    if (maxCount <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("inflight limits must be positive");
    }
    this.indexes = new long[maxCount];
    this.sizes = new long[maxCount];
    this.maxBytes = maxBytes;
  }

  /** Records an append whose last entry is {@code index}; indexes must ascend. */
  void add(long index, long size) {
    if (full()) {
      throw new IllegalStateException("cannot add to full inflights");
    }
    int slot = (start + count) % indexes.length;
    indexes[slot] = index;
    sizes[slot] = size;
    count++;
    bytes += size;
  }

  /** Frees every append whose last index is at or below {@code index}. */
  void freeLE(long index) {
    while (count > 0 && indexes[start] <= index) {
      bytes -= sizes[start];
      start = (start + 1) % indexes.length;
      count--;
    }
    if (count == 0) {
      start = 0;
    }
  }

  /** Frees the oldest append (a heartbeat response showed the follower is alive). */
  void freeFirstOne() {
    if (count > 0) {
      freeLE(indexes[start]);
    }
  }

  boolean full() {
    return count == indexes.length || bytes >= maxBytes;
  }

  int count() {
    return count;
  }

  void reset() {
    start = 0;
    count = 0;
    bytes = 0;
  }
}

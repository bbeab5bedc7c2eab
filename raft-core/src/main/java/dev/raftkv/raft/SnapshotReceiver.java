package dev.raftkv.raft;

import java.util.Arrays;

/**
 * A follower's partly received snapshot. Chunks must arrive in order; the receiver tells the leader
 * how far it has got, so a lost chunk or a new leader resumes there instead of from zero. Kept
 * across leader changes and terms: the same snapshot (same index and term) from any leader has the
 * same bytes.
 */
final class SnapshotReceiver {
  private SnapshotMetadata metadata;

  /** The bytes received so far are {@code data[0, size)}. */
  private byte[] data;

  private int size;

  /** The snapshot index being received, or 0. */
  long index() {
    return metadata == null ? 0 : metadata.index();
  }

  /** How many bytes of the current snapshot have arrived. */
  long received() {
    return data == null ? 0 : size;
  }

  /**
   * Takes a chunk. Returns the complete snapshot when {@code last} completes it, else null; a chunk
   * that does not follow the bytes received so far (duplicate, out of order, or the middle of an
   * unknown snapshot) is ignored, and {@link #received()} says where to resume.
   */
  Snapshot accept(SnapshotMetadata meta, long offset, byte[] chunk, boolean last) {
    if (metadata == null || !metadata.equals(meta)) {
      if (offset != 0) {
        return null;
      }
      metadata = meta;
      data = new byte[Math.max(16, chunk.length)];
      size = 0;
    }
    if (offset != size) {
      return null;
    }
    if (size + chunk.length > data.length) {
      data = Arrays.copyOf(data, Math.max(size + chunk.length, 2 * data.length));
    }
    System.arraycopy(chunk, 0, data, size, chunk.length);
    size += chunk.length;
    if (!last) {
      return null;
    }
    Snapshot snap = new Snapshot(metadata, Arrays.copyOf(data, size));
    reset();
    return snap;
  }

  void reset() {
    metadata = null;
    data = null;
    size = 0;
  }
}

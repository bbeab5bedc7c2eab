package dev.raftkv.raft;

import java.io.ByteArrayOutputStream;

/**
 * A follower's partly received snapshot. Chunks must arrive in order; the receiver tells the leader
 * how far it has got, so a lost chunk or a new leader resumes there instead of from zero. Kept
 * across leader changes and terms: the same snapshot (same index and term) from any leader has the
 * same bytes.
 */
final class SnapshotReceiver {
  private SnapshotMetadata metadata;
  private ByteArrayOutputStream data;

  /** The snapshot index being received, or 0. */
  long index() {
    return metadata == null ? 0 : metadata.index();
  }

  /** How many bytes of the current snapshot have arrived. */
  long received() {
    return data == null ? 0 : data.size();
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
      data = new ByteArrayOutputStream();
    }
    if (offset != data.size()) {
      return null;
    }
    data.write(chunk, 0, chunk.length);
    if (!last) {
      return null;
    }
    Snapshot snap = new Snapshot(metadata, data.toByteArray());
    reset();
    return snap;
  }

  void reset() {
    metadata = null;
    data = null;
  }
}

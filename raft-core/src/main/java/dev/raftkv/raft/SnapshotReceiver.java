package dev.raftkv.raft;

/**
 * A follower's partly received snapshot. Chunks must arrive in order and go to the storage's {@link
 * SnapshotSink} as they come; the receiver tells the leader how far it has got, so a lost chunk or
 * a new leader resumes there instead of from zero. Kept across leader changes and terms: the same
 * snapshot (same index and term) from any leader has the same bytes.
 */
final class SnapshotReceiver {
  private SnapshotMetadata metadata;
  private SnapshotSink sink;

  /** How many bytes of the current snapshot went to the sink. */
  private long received;

  /** The snapshot index being received, or 0. */
  long index() {
    return metadata == null ? 0 : metadata.index();
  }

  /** How many bytes of the current snapshot have arrived. */
  long received() {
    return metadata == null ? 0 : received;
  }

  /**
   * Takes a chunk. Returns the complete snapshot when {@code last} completes it, else null; a chunk
   * that does not follow the bytes received so far (duplicate, out of order, or the middle of an
   * unknown snapshot) is ignored, and {@link #received()} says where to resume. The first chunk of
   * another snapshot discards the one under way.
   */
  Snapshot accept(Storage storage, SnapshotMetadata meta, long offset, byte[] chunk, boolean last) {
    if (metadata == null || !metadata.equals(meta)) {
      if (offset != 0) {
        return null;
      }
      reset();
      sink = storage.snapshotSink(meta);
      metadata = meta;
      received = 0;
    }
    if (offset != received) {
      return null;
    }
    sink.write(chunk);
    received += chunk.length;
    if (!last) {
      return null;
    }
    Snapshot snap = new Snapshot(metadata, sink.finish());
    sink = null;
    metadata = null;
    received = 0;
    return snap;
  }

  /** Forgets the snapshot under way, discarding what its sink holds. */
  void reset() {
    if (sink != null) {
      sink.abort();
    }
    sink = null;
    metadata = null;
    received = 0;
  }
}

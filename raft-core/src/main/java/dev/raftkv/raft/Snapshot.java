package dev.raftkv.raft;

import java.util.Objects;

/**
 * A state machine image at a log position. The data is opaque to the algorithm and not copied.
 *
 * @param metadata where the snapshot sits in the log
 * @param data the state machine's serialized state
 */
public record Snapshot(SnapshotMetadata metadata, byte[] data) {
  /** No snapshot. */
  public static final Snapshot EMPTY = new Snapshot(SnapshotMetadata.EMPTY, new byte[0]);

  public Snapshot {
    Objects.requireNonNull(metadata, "metadata");
    if (data == null) {
      data = new byte[0];
    }
  }

  /** Whether this is the empty snapshot (index 0). */
  public boolean isEmpty() {
    return metadata.index() == 0;
  }
}

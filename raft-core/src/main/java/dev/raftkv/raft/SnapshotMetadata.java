package dev.raftkv.raft;

import java.util.Objects;

/**
 * Where a snapshot sits in the log: it replaces every entry up to and including {@code index}.
 *
 * @param index the last log index the snapshot covers
 * @param term the term of the entry at {@code index}
 * @param conf the membership in force at {@code index}
 */
public record SnapshotMetadata(long index, long term, ConfState conf) {
  /** No snapshot. */
  public static final SnapshotMetadata EMPTY = new SnapshotMetadata(0, 0, ConfState.EMPTY);

  public SnapshotMetadata {
    Objects.requireNonNull(conf, "conf");
    if (index < 0 || term < 0) {
      throw new IllegalArgumentException("snapshot index and term must not be negative");
    }
  }
}

package dev.raftkv.runtime;

import java.util.Arrays;

/**
 * The bytes a follower is sent for one snapshot, read a chunk at a time so that the leader never
 * holds them whole: a state machine whose snapshots are references to checkpoint files gives one
 * that reads those files ({@link StateMachine#snapshotSource}). Used from the node loop only; the
 * runtime closes it when it no longer sends that snapshot.
 */
public interface SnapshotSource extends AutoCloseable {

  /** How many bytes there are. */
  long size();

  /**
   * The bytes {@code [offset, offset + length)}, all of them.
   *
   * @throws IndexOutOfBoundsException if that range is not within {@code [0, size())}
   * @throws java.io.UncheckedIOException if they cannot be read (the files are gone, or closed)
   */
  byte[] read(long offset, int length);

  /** Releases what the source holds open. Reads afterwards throw. Closing again does nothing. */
  @Override
  default void close() {}

  /** The source of bytes already in memory. */
  static SnapshotSource of(byte[] data) {
    return new SnapshotSource() {
      @Override
      public long size() {
        return data.length;
      }

      @Override
      public byte[] read(long offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        return Arrays.copyOfRange(data, (int) offset, (int) offset + length);
      }
    };
  }
}

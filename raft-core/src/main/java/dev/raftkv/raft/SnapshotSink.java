package dev.raftkv.raft;

import java.util.Arrays;

/**
 * Where a follower puts the bytes of a snapshot as its chunks arrive ({@link
 * Storage#snapshotSink}), in order, so that it need not gather them in memory: a store can write
 * them to files as they come. {@link #finish} gives the data of the {@link Snapshot} the follower
 * then installs through its {@link Ready}: the bytes themselves, or a reference to where they were
 * put that the application's restore understands. Called on the node's thread.
 */
public interface SnapshotSink {

  /**
   * Appends the next bytes.
   *
   * @throws RuntimeException if they cannot be kept (the node then stops, as on any storage error)
   */
  void write(byte[] chunk);

  /**
   * All the bytes are in: makes what they make durable and returns the snapshot's data. The sink is
   * done after this.
   *
   * @throws RuntimeException if the bytes are not a whole snapshot or cannot be kept
   */
  byte[] finish();

  /** Discards what was written (a newer snapshot replaces it, or it is no longer needed). */
  void abort();

  /** A sink that gathers the bytes in memory and gives them back whole. */
  static SnapshotSink inMemory() {
    return new SnapshotSink() {
      private byte[] data = new byte[0];
      private int size;

      @Override
      public void write(byte[] chunk) {
        if (size + chunk.length > data.length) {
          data = Arrays.copyOf(data, Math.max(size + chunk.length, 2 * data.length));
        }
        System.arraycopy(chunk, 0, data, size, chunk.length);
        size += chunk.length;
      }

      @Override
      public byte[] finish() {
        byte[] out = data.length == size ? data : Arrays.copyOf(data, size);
        data = null;
        return out;
      }

      @Override
      public void abort() {
        data = null;
      }
    };
  }
}

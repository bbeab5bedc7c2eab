package dev.raftkv.raft;

import java.util.List;

/**
 * The write side of a node's log, next to the {@link Storage} read side: what a runtime calls to
 * carry out a {@link Ready}. {@link MemoryStorage} implements it for tests and the simulator; the
 * durable write-ahead log in {@code raft-storage} for real nodes.
 *
 * <p>Called from one thread. {@link #append} and {@link #setHardState} only buffer: nothing is
 * durable until {@link #syncNow()} returns.
 */
public interface LogStore extends Storage {

  /**
   * Buffers entries, first truncating any stored entries at or after the first new index (a
   * follower overwriting a conflicting suffix). Not durable until {@link #syncNow()}.
   */
  void append(List<Entry> entries);

  /** Buffers the new hard state. Not durable until {@link #syncNow()}. */
  void setHardState(HardState hardState);

  /**
   * Makes everything buffered durable (one fsync for all of it). Blocks until it is.
   *
   * @throws RuntimeException if the write or sync failed; the store is then unusable (a failed
   *     fsync is never retried)
   */
  void syncNow();

  /** Replaces the whole log by a snapshot received from the leader. Durable when it returns. */
  void applySnapshot(Snapshot snapshot);

  /** Stores a snapshot this node's state machine took. Durable when it returns. */
  void saveSnapshot(Snapshot snapshot);

  /**
   * The first half of {@link #saveSnapshot}, for a runtime that writes snapshots off its node loop:
   * makes the snapshot durable without making it the store's snapshot yet. Unlike every other
   * method, it may be called from another thread, concurrently with them (one such call at a time).
   * Blocks on the write and its fsyncs.
   *
   * @throws RuntimeException if the write failed; the store is then unusable
   */
  default void writeSnapshot(Snapshot snapshot) {}

  /**
   * The second half of {@link #saveSnapshot}, on the node loop: makes a snapshot that {@link
   * #writeSnapshot} made durable the store's snapshot (ignored if the store has a newer one).
   */
  default void installSnapshot(Snapshot snapshot) {
    saveSnapshot(snapshot);
  }

  /** Discards entries up to and including {@code index}, which a snapshot covers. */
  void compact(long index);
}

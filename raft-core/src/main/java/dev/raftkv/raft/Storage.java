package dev.raftkv.raft;

import java.util.List;

/**
 * The read side of a node's log, as the algorithm sees it. The caller appends each {@link Ready}'s
 * entries here and makes them durable before {@link RaftNode#advance}; until then the node reads
 * those entries from its own memory, never from here, so an implementation may show appended
 * entries before they are synced.
 *
 * <p>The log held here spans {@code [firstIndex(), lastIndex()]}; the entry just before {@code
 * firstIndex()} is represented only by its index and term (the last compacted entry, or the
 * snapshot's position), so {@code term(firstIndex() - 1)} always answers.
 *
 * <p>Implementations are called from the single thread that drives the {@link RaftNode}; they need
 * no locking for it, but one that is also written from another thread must make those writes
 * visible.
 */
public interface Storage {

  /** The persisted hard state and membership the node starts from. */
  InitialState initialState();

  /**
   * Entries in {@code [lo, hi)}, at least one if {@code lo < hi}, and as many more as fit in {@code
   * maxBytes}.
   *
   * @throws CompactedException if {@code lo < firstIndex()}
   * @throws UnavailableException if {@code hi > lastIndex() + 1}
   */
  List<Entry> entries(long lo, long hi, long maxBytes);

  /**
   * The term of the entry at {@code index}, for {@code index} in {@code [firstIndex() - 1,
   * lastIndex()]}.
   *
   * @throws CompactedException if {@code index < firstIndex() - 1}
   * @throws UnavailableException if {@code index > lastIndex()}
   */
  long term(long index);

  /** The index of the first entry still available (the snapshot's index + 1 after compaction). */
  long firstIndex();

  /** The index of the last entry; {@code firstIndex() - 1} when the log is empty. */
  long lastIndex();

  /**
   * The most recent snapshot.
   *
   * @throws UnavailableException if a snapshot is being prepared and is not ready yet
   */
  Snapshot snapshot();

  /**
   * What a node finds when it starts.
   *
   * @param hardState term, vote and commit
   * @param conf the membership (from the last snapshot or applied configuration entry)
   */
  record InitialState(HardState hardState, ConfState conf) {}
}

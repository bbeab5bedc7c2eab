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
   * How many bytes a follower is sent for {@code snapshot} (the one {@link #snapshot()} returned):
   * by default the length of its data. A storage whose snapshot data only names a larger state kept
   * elsewhere (a state machine's checkpoint files) answers that state's size, and {@link
   * #snapshotChunk} reads it piece by piece, so the leader never holds it whole. Called once per
   * transfer, when it starts.
   *
   * @throws UnavailableException if the bytes cannot be had now (asked again later)
   */
  default long snapshotSize(Snapshot snapshot) {
    return snapshot.data().length;
  }

  /**
   * The bytes {@code [offset, offset + length)} of what a follower is sent for {@code snapshot}
   * (fewer at the end): by default a copy of that part of its data. Called on the node's thread for
   * each chunk it sends, so it must be quick (a read of one chunk).
   *
   * @param offset in {@code [0, snapshotSize(snapshot))}
   * @throws UnavailableException if those bytes are gone (a newer snapshot replaced the state they
   *     came from): the leader then starts the follower over on the current snapshot
   */
  default byte[] snapshotChunk(Snapshot snapshot, long offset, int length) {
    byte[] data = snapshot.data();
    int start = (int) Math.min(offset, data.length);
    return java.util.Arrays.copyOfRange(data, start, Math.min(data.length, start + length));
  }

  /**
   * Where a follower puts the snapshot described by {@code metadata} as its chunks arrive from the
   * leader (see {@link SnapshotSink}): by default in memory, so the snapshot's data is its bytes. A
   * store that keeps its state in files can write them as they come, and give a reference to them
   * as the data. Called on the node's thread when the first chunk arrives.
   */
  default SnapshotSink snapshotSink(SnapshotMetadata metadata) {
    return SnapshotSink.inMemory();
  }

  /**
   * What a node finds when it starts.
   *
   * @param hardState term, vote and commit
   * @param conf the membership (from the last snapshot or applied configuration entry)
   */
  record InitialState(HardState hardState, ConfState conf) {}
}

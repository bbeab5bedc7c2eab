package dev.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's view of its log: the durable part in {@link Storage} followed by the {@link Unstable}
 * tail, plus the commit and applied indexes.
 *
 * <p>Invariants: {@code applied <= committed <= lastIndex()}; committed entries are handed to the
 * application only once durable here ({@code applied <= stableIndex()}), so a restarted node's
 * state machine is never ahead of its own log.
 */
final class RaftLog {
  private final Storage storage;
  private final Unstable unstable;
  private long committed;
  private long applied;

  RaftLog(Storage storage) {
    this.storage = storage;
    this.unstable = new Unstable(storage.lastIndex() + 1);
    long first = storage.firstIndex();
    this.committed = first - 1;
    this.applied = first - 1;
  }

  Storage storage() {
    return storage;
  }

  long committed() {
    return committed;
  }

  long applied() {
    return applied;
  }

  /** The first index still in the log (after a pending snapshot, the one following it). */
  long firstIndex() {
    Snapshot snap = unstable.snapshot();
    return snap != null ? snap.metadata().index() + 1 : storage.firstIndex();
  }

  /** The snapshot received from the leader and not yet reported durable, or null. */
  Snapshot pendingSnapshot() {
    return unstable.snapshot();
  }

  long lastIndex() {
    return unstable.isEmpty() ? unstable.offset() - 1 : unstable.lastIndex();
  }

  /** The last index known durable: everything at or below it is in storage. */
  long stableIndex() {
    return unstable.offset() - 1;
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /**
   * The term at {@code index}, or 0 if the index is beyond the log or before the entry preceding
   * the first available one (compacted).
   */
  long term(long index) {
    long t = unstable.term(index);
    if (t >= 0) {
      return t;
    }
    if (unstable.snapshot() != null) {
      // Everything below a snapshot being installed is gone.
      return 0;
    }
    if (index < storage.firstIndex() - 1 || index > stableIndex()) {
      return 0;
    }
    return storage.term(index);
  }

  /** Whether the term at {@code index} is known and equals {@code term}. */
  boolean matchTerm(long index, long term) {
    if (index < firstIndex() - 1 || index > lastIndex()) {
      return false;
    }
    return term(index) == term;
  }

  /**
   * Whether a log ending at ({@code lastIndex}, {@code lastTerm}) is at least as up to date as this
   * one (Raft paper §5.4.1).
   */
  boolean isUpToDate(long lastIndex, long lastTerm) {
    long myTerm = lastTerm();
    return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
  }

  /** Appends entries (truncating any conflicting suffix) and returns the new last index. */
  long append(List<Entry> ents) {
    if (ents.isEmpty()) {
      return lastIndex();
    }
    long after = ents.get(0).index() - 1;
    if (after < committed) {
      throw new IllegalStateException(
          "append after index " + after + " would overwrite committed index " + committed);
    }
    unstable.truncateAndAppend(ents);
    return lastIndex();
  }

  /**
   * The follower side of AppendEntries (paper Figure 2, receiver rules 2–5): if the log matches at
   * ({@code prevIndex}, {@code prevTerm}), appends what is new, truncating at the first conflict,
   * advances commit to {@code min(leaderCommit, last new index)}, and returns that last new index;
   * otherwise returns -1.
   */
  long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> ents) {
    if (!matchTerm(prevIndex, prevTerm)) {
      return -1;
    }
    long lastNew = prevIndex + ents.size();
    long conflict = findConflict(ents);
    if (conflict != 0) {
      if (conflict <= committed) {
        throw new IllegalStateException(
            "entry " + conflict + " conflicts with a committed entry (commit " + committed + ")");
      }
      append(ents.subList((int) (conflict - (prevIndex + 1)), ents.size()));
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /**
   * The index of the first entry of {@code ents} that is missing here or has another term, or 0 if
   * all are present with the same terms.
   */
  private long findConflict(List<Entry> ents) {
    for (Entry e : ents) {
      if (!matchTerm(e.index(), e.term())) {
        return e.index();
      }
    }
    return 0;
  }

  /** A log position: an index and the term of the entry there. */
  record Position(long index, long term) {}

  /**
   * The largest index at or below {@code index} whose term is at most {@code term}, with that term:
   * the point a leader can skip back to after a rejection (the fast back-off).
   */
  Position findConflictByTerm(long index, long term) {
    long i = Math.min(index, lastIndex());
    long floor = firstIndex() - 1;
    while (i > floor) {
      long t = term(i);
      if (t <= term) {
        return new Position(i, t);
      }
      i--;
    }
    return new Position(floor, term(floor));
  }

  /** Entries from {@code lo} to the end, as many as fit in {@code maxBytes} (at least one). */
  List<Entry> entriesFrom(long lo, long maxBytes) {
    if (lo > lastIndex()) {
      return List.of();
    }
    return slice(lo, lastIndex() + 1, maxBytes);
  }

  /**
   * Entries in {@code [lo, hi)}, as many as fit in {@code maxBytes} (at least one).
   *
   * @throws CompactedException if {@code lo} is below the first index still kept
   */
  List<Entry> slice(long lo, long hi, long maxBytes) {
    if (lo >= hi) {
      return List.of();
    }
    if (lo < firstIndex()) {
      throw new CompactedException(lo, firstIndex());
    }
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    long stableHi = Math.min(hi, unstable.offset());
    if (lo < stableHi) {
      List<Entry> stored = storage.entries(lo, stableHi, maxBytes);
      for (Entry e : stored) {
        bytes += e.sizeBytes();
      }
      out.addAll(stored);
      if (stored.size() < stableHi - lo) {
        return out;
      }
    }
    long ulo = Math.max(lo, unstable.offset());
    if (ulo < hi) {
      for (Entry e : unstable.slice(ulo, hi)) {
        bytes += e.sizeBytes();
        if (!out.isEmpty() && bytes > maxBytes) {
          break;
        }
        out.add(e);
      }
    }
    return out;
  }

  /** Raises the commit index; never lowers it. */
  void commitTo(long index) {
    if (index <= committed) {
      return;
    }
    if (index > lastIndex()) {
      throw new IllegalStateException(
          "commit index " + index + " is beyond the last index " + lastIndex());
    }
    committed = index;
  }

  /** The unstable entries a {@link Ready} should hand out for persisting. */
  List<Entry> unstableEntries() {
    return unstable.all();
  }

  boolean hasUnstable() {
    return !unstable.isEmpty();
  }

  /** Marks entries up to ({@code index}, {@code term}) durable. */
  void stableTo(long index, long term) {
    unstable.stableTo(index, term);
  }

  /** Whether committed, durable entries are waiting to be applied. */
  boolean hasNextCommitted() {
    return unstable.snapshot() == null && Math.min(committed, stableIndex()) > applied;
  }

  /** Committed, durable entries after {@code applied}, as many as fit in {@code maxBytes}. */
  List<Entry> nextCommitted(long maxBytes) {
    long hi = Math.min(committed, stableIndex());
    if (hi <= applied || unstable.snapshot() != null) {
      return List.of();
    }
    return slice(applied + 1, hi + 1, maxBytes);
  }

  /** Records that entries up to {@code index} were handed to the application. */
  void appliedTo(long index) {
    if (index > committed || index < applied) {
      throw new IllegalStateException(
          "applied index " + index + " outside [" + applied + ", " + committed + "]");
    }
    applied = index;
  }

  /** Marks the pending snapshot at {@code index} durable and applied. */
  void snapshotInstalled(long index) {
    unstable.stableSnapshotTo(index);
    if (index > applied && index <= committed) {
      applied = index;
    }
  }

  /** Replaces the whole log by a snapshot received from the leader; it is committed. */
  void restore(Snapshot snap) {
    committed = snap.metadata().index();
    unstable.restore(snap);
  }

  /** Restores commit and applied from a persisted commit index at start. */
  void restoreCommit(long commit) {
    if (commit > lastIndex()) {
      throw new IllegalStateException(
          "persisted commit " + commit + " is beyond the last log index " + lastIndex());
    }
    committed = Math.max(committed, commit);
  }
}

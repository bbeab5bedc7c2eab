package dev.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * What the node holds in memory and the caller has not yet reported durable: possibly a snapshot
 * received from the leader, then entries starting at {@code offset}. Everything before lives in
 * {@link Storage}.
 *
 * <p>Invariants: the entries are contiguous from {@code offset}; with a snapshot, {@code offset ==
 * snapshot index + 1}; {@code offset} is at most one past storage's last index (a new leader's
 * entries or a follower's overwrite may replace a suffix that storage still holds; the caller's
 * storage write truncates it then).
 */
final class Unstable {
  private final ArrayList<Entry> entries = new ArrayList<>();
  private long offset;
  private Snapshot snapshot;

  Unstable(long offset) {
    this.offset = offset;
  }

  long offset() {
    return offset;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The snapshot waiting to be persisted, or null. */
  Snapshot snapshot() {
    return snapshot;
  }

  /** The last unstable index, or -1 if there is none. */
  long lastIndex() {
    return entries.isEmpty() ? -1 : offset + entries.size() - 1;
  }

  /** The term at {@code index} if it is unstable (or the pending snapshot's), or -1. */
  long term(long index) {
    if (snapshot != null && index == snapshot.metadata().index()) {
      return snapshot.metadata().term();
    }
    if (index < offset || index > lastIndex()) {
      return -1;
    }
    return entries.get((int) (index - offset)).term();
  }

  /** Entries in {@code [lo, hi)}, which must lie within the unstable range. */
  List<Entry> slice(long lo, long hi) {
    return entries.subList((int) (lo - offset), (int) (hi - offset));
  }

  /** A copy of every unstable entry. */
  List<Entry> all() {
    return List.copyOf(entries);
  }

  /**
   * Appends entries that follow index {@code ents.get(0).index() - 1}, replacing whatever was at or
   * after that index.
   */
  void truncateAndAppend(List<Entry> ents) {
    long after = ents.get(0).index();
    if (after == offset + entries.size()) {
      entries.addAll(ents);
    } else if (after <= offset) {
      // The new entries replace everything unstable and a suffix of storage.
      offset = after;
      entries.clear();
      entries.addAll(ents);
    } else {
      int keep = (int) (after - offset);
      while (entries.size() > keep) {
        entries.remove(entries.size() - 1);
      }
      entries.addAll(ents);
    }
  }

  /**
   * Marks entries up to {@code index} durable, if the entry there still has {@code term} (it may
   * have been replaced after the caller started writing it).
   */
  void stableTo(long index, long term) {
    if (index < offset || index > lastIndex() || term(index) != term) {
      return;
    }
    int n = (int) (index + 1 - offset);
    entries.subList(0, n).clear();
    offset = index + 1;
  }

  /** Marks the pending snapshot durable, if it is still the one at {@code index}. */
  void stableSnapshotTo(long index) {
    if (snapshot != null && snapshot.metadata().index() == index) {
      snapshot = null;
    }
  }

  /** Replaces everything by a snapshot received from the leader. */
  void restore(Snapshot snap) {
    entries.clear();
    snapshot = snap;
    offset = snap.metadata().index() + 1;
  }
}

package dev.raftkv.raft;

import java.util.Map;
import java.util.TreeMap;

/**
 * What only a leader has: created when a node becomes leader and dropped by any other transition,
 * so no follower code can touch it by mistake.
 */
final class LeaderState {
  /** Every member's progress, this node's own included (its match is its durable index). */
  final Map<Long, Progress> progress = new TreeMap<>();

  /** Linearizable reads and the lease. */
  final ReadOnly readOnly = new ReadOnly();

  /** The member leadership is being handed to, or 0. Proposals are refused meanwhile. */
  long transferee;

  /**
   * The index of the last membership change appended; a new one is accepted only once it is applied
   * (one change in flight at a time). A new leader sets it to its first entry, so it commits an
   * entry of its own term before any change (thesis §4.1).
   */
  long pendingConfIndex;
}

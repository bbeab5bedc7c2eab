package dev.raftkv.raft;

/** How the leader is currently sending to one follower. */
public enum ProgressState {
  /**
   * The leader does not know where the follower's log ends: it sends one append at a time and waits
   * for the answer (or a heartbeat response) before sending the next.
   */
  PROBE,
  /** The follower is known to match up to {@code match}: appends are pipelined optimistically. */
  REPLICATE,
  /** The follower needs a snapshot; nothing else is sent until it has one. */
  SNAPSHOT
}

package dev.raftkv.raft;

/**
 * The leader's view of one member's log (paper Figure 2, "volatile state on leaders": {@code
 * nextIndex} and {@code matchIndex}), with the flow-control state that decides when to send.
 *
 * <p>Invariant: {@code match < next}.
 */
final class Progress {
  long match;
  long next;
  ProgressState state = ProgressState.PROBE;

  /** In PROBE: an append was sent and no answer has come since; send nothing more until then. */
  boolean probeSent;

  /** Whether the member was heard from since the last CheckQuorum round. */
  boolean recentActive;

  /** Whether it was heard from in the CheckQuorum window before the current one. */
  boolean activeLastWindow;

  /** In SNAPSHOT: the index of the snapshot being sent. */
  long pendingSnapshot;

  /**
   * In SNAPSHOT: the snapshot being sent, held until the follower has it even if a newer one is
   * taken meanwhile (restarting on every new snapshot could keep a slow follower from ever
   * finishing).
   */
  Snapshot snapshot;

  /** In SNAPSHOT: how many bytes the follower is sent for it ({@link Storage#snapshotSize}). */
  long snapshotSize;

  /** In SNAPSHOT: how much of the snapshot data the member has acknowledged. */
  long snapshotOffset;

  /**
   * In SNAPSHOT: the leader's tick count when the member last acknowledged a new chunk, or when a
   * chunk was last resent. A heartbeat answer a heartbeat interval after it finds the transfer
   * stalled (a chunk was probably lost) and resends the chunk the member needs next; otherwise
   * chunks flow on acknowledgements only. Counting in ticks, not answers, keeps the resends to one
   * per interval however many heartbeat rounds (one per batch of linearizable reads) it holds.
   */
  long snapshotActiveTick;

  /** In SNAPSHOT: the end of the data sent so far; chunks up to a window past the ack fly. */
  long snapshotSent;

  /** The highest heartbeat round the member has answered (for ReadIndex and the lease). */
  long ackedRound;

  final Inflights inflights;
  boolean learner;

  Progress(long match, long next, int maxInflight, long maxInflightBytes, boolean learner) {
    this.match = match;
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
    this.learner = learner;
  }

  void becomeProbe() {
    state = ProgressState.PROBE;
    next = match + 1;
    pendingSnapshot = 0;
    snapshot = null;
    probeSent = false;
    inflights.reset();
  }

  /** Starts sending {@code snap} from its first byte. */
  void becomeSnapshot(Snapshot snap, long size, long tick) {
    state = ProgressState.SNAPSHOT;
    snapshot = snap;
    snapshotSize = size;
    snapshotActiveTick = tick;
    pendingSnapshot = snap.metadata().index();
    snapshotOffset = 0;
    snapshotSent = 0;
    probeSent = false;
    inflights.reset();
  }

  /** The member installed the snapshot at {@code index}: probe from just after it. */
  void snapshotDone(long index) {
    match = Math.max(match, index);
    becomeProbe();
    snapshotOffset = 0;
  }

  void becomeReplicate() {
    state = ProgressState.REPLICATE;
    next = match + 1;
    probeSent = false;
    inflights.reset();
  }

  /** Whether sending another append must wait. */
  boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  /** Records that an append of {@code count} entries ending at {@code lastIndex} was sent. */
  void sentEntries(int count, long lastIndex, long bytes) {
    if (state == ProgressState.REPLICATE) {
      if (count > 0) {
        next = lastIndex + 1;
        inflights.add(lastIndex, bytes);
      }
    } else if (state == ProgressState.PROBE) {
      probeSent = true;
    }
  }

  /**
   * Records an acknowledgement up to {@code index}. Returns whether {@code match} moved (a stale or
   * duplicate acknowledgement changes nothing).
   */
  boolean maybeUpdate(long index) {
    boolean updated = false;
    if (match < index) {
      match = index;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, index + 1);
    return updated;
  }

  /**
   * Handles a rejection of the append whose {@code prevIndex} was {@code rejected}; {@code
   * hintIndex} is the highest index the leader thinks may match. Returns false if the rejection is
   * stale (it answers an append sent before a later one already moved {@code next}).
   */
  boolean maybeDecrTo(long rejected, long hintIndex) {
    if (state == ProgressState.REPLICATE) {
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    if (next - 1 != rejected) {
      return false;
    }
    next = Math.max(Math.min(rejected, hintIndex + 1), match + 1);
    probeSent = false;
    return true;
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next + (learner ? " learner" : "");
  }
}

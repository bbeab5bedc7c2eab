package dev.raftkv.raft;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The leader's linearizable reads (thesis §6.4). Every heartbeat broadcast is a numbered round;
 * followers echo the number. A read waits for a round that started after it arrived and that a
 * quorum has answered, which proves nobody else led at that moment; all reads waiting at that
 * moment share the round. The same rounds time the leader lease: no other leader can be elected
 * before {@code sentTick + electionTickMin} of the newest round a quorum answered.
 *
 * <p>Reads that arrive before the leader has committed an entry of its own term wait for that
 * commit: until then its commit index may lag what an earlier leader committed.
 */
final class ReadOnly {
  /** A read waiting for its round. {@code from} is 0 for a read asked on this node. */
  record Pending(long requestId, long from, long index, long round) {}

  private final List<Pending> waiting = new ArrayList<>();

  /** A read held until the leader commits an entry of its term. */
  private record Held(long requestId, long from) {}

  private final List<Held> waitingForCommit = new ArrayList<>();

  /** Round number to the tick it was sent at, for rounds not yet known acknowledged. */
  private final TreeMap<Long, Long> roundTicks = new TreeMap<>();

  private long round;
  private boolean roundWanted;
  private long leaseStartTick = Long.MIN_VALUE;

  /** Starts a new heartbeat round sent at {@code tick}; returns its number. */
  long nextRound(long tick) {
    round++;
    roundTicks.put(round, tick);
    roundWanted = false;
    return round;
  }

  long round() {
    return round;
  }

  /** Whether reads are waiting for a round that has not been sent yet. */
  boolean roundWanted() {
    return roundWanted;
  }

  /** Queues a read whose index is known; it needs a round sent after now. */
  void add(long requestId, long from, long index) {
    waiting.add(new Pending(requestId, from, index, round + 1));
    roundWanted = true;
  }

  /** Holds a read until the leader has committed an entry of its term. */
  void holdUntilCommit(long requestId, long from) {
    waitingForCommit.add(new Held(requestId, from));
  }

  /** The leader committed an entry of its term: queued reads get {@code commit} as index. */
  void ownTermCommitted(long commit) {
    for (Held r : waitingForCommit) {
      add(r.requestId(), r.from(), commit);
    }
    waitingForCommit.clear();
  }

  /**
   * Given each voter's highest answered round (this node answers the current round), releases the
   * reads a quorum has confirmed and extends the lease.
   */
  List<Pending> release(Set<Long> voters, Map<Long, Progress> progress, long self) {
    long confirmed = quorumRound(voters, progress, self);
    Long sent = roundTicks.get(confirmed);
    if (sent != null) {
      leaseStartTick = Math.max(leaseStartTick, sent);
    }
    roundTicks.headMap(confirmed, false).clear();
    List<Pending> out = new ArrayList<>();
    for (Iterator<Pending> it = waiting.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.round() <= confirmed) {
        out.add(p);
        it.remove();
      }
    }
    return out;
  }

  /** The newest round a majority of voters has answered. */
  private long quorumRound(Set<Long> voters, Map<Long, Progress> progress, long self) {
    long[] acked = new long[voters.size()];
    int i = 0;
    for (long v : voters) {
      Progress p = progress.get(v);
      acked[i++] = v == self ? round : (p == null ? 0 : p.ackedRound);
    }
    java.util.Arrays.sort(acked);
    return acked.length == 0 ? round : acked[acked.length - Quorum.majority(acked.length)];
  }

  /** The tick at which the current lease started (the send tick of the newest quorum round). */
  long leaseStartTick() {
    return leaseStartTick;
  }
}

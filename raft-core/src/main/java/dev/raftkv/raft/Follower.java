package dev.raftkv.raft;

import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.HeartbeatResponse;
import dev.raftkv.raft.Message.InstallSnapshot;
import dev.raftkv.raft.Message.SnapshotResponse;

/**
 * The follower's side of replication: takes the leader's appends, heartbeats and snapshot chunks of
 * the node's current term, brings the log (and, with a snapshot, the membership) up to date and
 * answers each one. {@link RaftNode} hands these messages here only while it is a follower (a
 * candidate becomes one first), after noting the leader.
 *
 * <p>One exists per node for its whole life: a partly received snapshot is kept across leader
 * changes and terms, since the same snapshot from any leader has the same bytes. Answers that
 * promise durable state (an acknowledged append, an installed snapshot) leave only after the next
 * persist; {@link Outbox#send} sees to that.
 */
final class Follower {
  private final RaftNode node;
  private final RaftLog log;
  private final Outbox outbox;
  private final long id;

  /** The snapshot being received in chunks, if any. */
  private final SnapshotReceiver snapshotReceiver = new SnapshotReceiver();

  Follower(RaftNode node) {
    this.node = node;
    this.log = node.log;
    this.outbox = node.outbox;
    this.id = node.id;
  }

  /**
   * Appends what the leader sent after the entry both logs share, or rejects it with a hint of
   * where the logs may match (the last index whose term is at most {@code prevTerm}, and that
   * term).
   */
  void handleAppend(AppendRequest m) {
    if (m.prevIndex() < log.committed()) {
      // Everything up to our commit index matches the leader's log already.
      outbox.send(new AppendResponse(id, m.from(), node.term, log.committed(), false, 0, 0));
      return;
    }
    long lastNew = log.maybeAppend(m.prevIndex(), m.prevTerm(), m.commit(), m.entries());
    if (lastNew >= 0) {
      outbox.send(new AppendResponse(id, m.from(), node.term, lastNew, false, 0, 0));
      return;
    }
    RaftLog.Position hint =
        log.findConflictByTerm(Math.min(m.prevIndex(), log.lastIndex()), m.prevTerm());
    outbox.send(
        new AppendResponse(
            id, m.from(), node.term, m.prevIndex(), true, hint.index(), hint.term()));
  }

  /** Learns the commit index (up to what this log holds) and echoes the heartbeat's round. */
  void handleHeartbeat(Heartbeat m) {
    // The leader caps a heartbeat's commit at what this follower is known to hold.
    log.commitTo(Math.min(m.commit(), log.lastIndex()));
    outbox.send(new HeartbeatResponse(id, m.from(), node.term, m.context()));
  }

  /**
   * Takes a snapshot chunk: answers with how far it has got; the last chunk installs the snapshot
   * (log and membership), unless the log already holds the snapshot's last entry.
   */
  void handleSnapshot(InstallSnapshot m) {
    SnapshotMetadata meta = m.metadata();
    if (meta.index() <= log.committed()) {
      // We already hold everything the snapshot covers.
      outbox.send(new SnapshotResponse(id, m.from(), node.term, meta.index(), 0, true));
      return;
    }
    if (log.matchTerm(meta.index(), meta.term())) {
      // Our log already holds the snapshot's last entry, so (Log Matching) everything before it:
      // keep the log, including entries after it that we may have acknowledged, and only learn
      // that the snapshot's index is committed. Restoring would drop acknowledged entries.
      snapshotReceiver.reset();
      log.commitTo(meta.index());
      outbox.send(new SnapshotResponse(id, m.from(), node.term, meta.index(), 0, true));
      return;
    }
    Snapshot full = snapshotReceiver.accept(log.storage(), meta, m.offset(), m.data(), m.last());
    if (full == null) {
      long resume = snapshotReceiver.index() == meta.index() ? snapshotReceiver.received() : 0;
      outbox.send(new SnapshotResponse(id, m.from(), node.term, meta.index(), resume, false));
      return;
    }
    log.restore(full);
    node.conf = meta.conf();
    // Sent once the snapshot is durable (see Outbox.send).
    outbox.send(
        new SnapshotResponse(
            id, m.from(), node.term, meta.index(), m.offset() + m.data().length, true));
  }
}

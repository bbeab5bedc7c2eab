package dev.raftkv.raft;

import dev.raftkv.raft.Message.InstallSnapshot;
import dev.raftkv.raft.Message.SnapshotResponse;

/**
 * The leader's side of snapshot transfer: sends a follower whose next entry is compacted away the
 * storage's snapshot in {@link RaftConfig#snapshotChunkBytes()} chunks, reading each chunk from
 * storage as it goes, so the snapshot is never needed whole in memory.
 *
 * <p>Flow control: chunks up to a window of {@code max(4, maxInflight)} chunks, and at most {@code
 * maxInflightBytes} (at least one chunk), past what the follower acknowledged are in flight; each
 * acknowledgement moves the window. A heartbeat answer a heartbeat interval after the last progress
 * resends the one chunk the follower needs next, never from zero.
 *
 * <p>The per-follower state lives in its {@link Progress} (SNAPSHOT state): the snapshot being sent
 * (kept until the follower has it, even if a newer one is taken), its size, what was acknowledged
 * and what was sent. This class holds none; one exists per {@link Leader}, for its term. If the
 * storage no longer has the snapshot's bytes, the follower goes back to PROBE, and its next answer
 * starts a transfer of the current snapshot from byte 0.
 */
final class SnapshotSender {
  private final RaftConfig config;
  private final Storage storage;
  private final Outbox outbox;
  private final long id;
  private final long term;

  SnapshotSender(RaftConfig config, Storage storage, Outbox outbox, long id, long term) {
    this.config = config;
    this.storage = storage;
    this.outbox = outbox;
    this.id = id;
    this.term = term;
  }

  /**
   * Starts sending the storage's current snapshot to {@code to} (its progress moves to SNAPSHOT) at
   * tick {@code tick}. Returns false, changing nothing, if the storage has no snapshot ready.
   */
  boolean start(long to, Progress pr, long tick) {
    Snapshot snap = currentSnapshot();
    if (snap == null) {
      return false;
    }
    long size;
    try {
      size = storage.snapshotSize(snap);
    } catch (UnavailableException e) {
      return false; // retried on the next heartbeat response
    }
    pr.becomeSnapshot(snap, size, tick);
    sendChunks(to, pr);
    return true;
  }

  private Snapshot currentSnapshot() {
    try {
      Snapshot snap = storage.snapshot();
      return snap.isEmpty() ? null : snap;
    } catch (UnavailableException e) {
      return null; // being prepared: retried on the next heartbeat response
    }
  }

  /**
   * Takes {@code m}, an answer from a member whose progress {@code pr} is in SNAPSHOT, at tick
   * {@code tick}. Returns true if the member now holds the snapshot: {@code pr} is back in PROBE
   * just past it, and the caller sends the member an append. Otherwise sends the chunks the answer
   * lets through (none for a duplicate or stale answer) and returns false.
   */
  boolean handleResponse(SnapshotResponse m, Progress pr, long tick) {
    if (m.done()) {
      if (m.snapshotIndex() >= pr.pendingSnapshot) {
        pr.snapshotDone(m.snapshotIndex());
        return true;
      }
      return false;
    }
    if (m.snapshotIndex() == pr.pendingSnapshot && m.nextOffset() != pr.snapshotOffset) {
      // The follower moved on (or, having lost its partial copy, went back): send what it needs
      // next. An answer repeating the offset we know comes from a duplicate and sends nothing.
      if (m.nextOffset() < pr.snapshotOffset) {
        pr.snapshotSent = m.nextOffset();
      }
      pr.snapshotOffset = m.nextOffset();
      pr.snapshotActiveTick = tick;
      sendChunks(m.from(), pr);
    }
    return false;
  }

  /**
   * A heartbeat answer came at tick {@code tick} from {@code to}, whose progress {@code pr} is in
   * SNAPSHOT. If no chunk was acknowledged (or resent) for a heartbeat interval, one was probably
   * lost: resends the chunk the follower needs next, one chunk only, since its acknowledgement
   * brings the rest of the window. At most once per interval: resending the whole window at every
   * heartbeat, or a chunk at every answer (a heartbeat round per batch of reads), piled up copies
   * behind a slow follower until the leader ran out of heap.
   */
  void heartbeatAnswered(long to, Progress pr, long tick) {
    if (tick - pr.snapshotActiveTick >= config.heartbeatTick()) {
      pr.snapshotActiveTick = tick;
      resendChunk(to, pr);
    }
  }

  /**
   * Sends the snapshot being sent to {@code to}: the chunks after what was already sent, up to a
   * sliding window past what the follower acknowledged of {@code max(4, maxInflight)} chunks, but
   * no more bytes than {@code maxInflightBytes} (at least one chunk).
   */
  private void sendChunks(long to, Progress pr) {
    long size = pr.snapshotSize;
    long chunk = config.snapshotChunkBytes();
    long window =
        Math.max(1, Math.min(Math.max(4, config.maxInflight()), config.maxInflightBytes() / chunk));
    long windowEnd = Math.min(size, pr.snapshotOffset + chunk * window);
    long from = Math.max(pr.snapshotSent, pr.snapshotOffset);
    if (from >= size && size > 0) {
      return; // everything is in flight already
    }
    do {
      from = sendChunk(to, pr, from);
      if (from < 0) {
        return; // the transfer starts over
      }
    } while (from < windowEnd);
    pr.snapshotSent = Math.max(pr.snapshotSent, from);
  }

  /** Sends again the one chunk the follower needs next; the rest follows its acknowledgement. */
  private void resendChunk(long to, Progress pr) {
    long next = sendChunk(to, pr, pr.snapshotOffset);
    if (next >= 0) {
      pr.snapshotSent = next;
    }
  }

  /**
   * Sends the chunk that starts at {@code from}; returns where the next one starts, or -1 if the
   * storage no longer has the snapshot's bytes: the follower then goes back to probing, and the
   * next answer from it starts a transfer of the current snapshot.
   */
  private long sendChunk(long to, Progress pr, long from) {
    Snapshot snap = pr.snapshot;
    long start = Math.min(from, pr.snapshotSize);
    long end = Math.min(start + config.snapshotChunkBytes(), pr.snapshotSize);
    byte[] chunk;
    try {
      chunk = storage.snapshotChunk(snap, start, (int) (end - start));
    } catch (UnavailableException e) {
      pr.becomeProbe();
      return -1;
    }
    if (chunk.length != end - start) {
      throw new IllegalStateException(
          "storage gave "
              + chunk.length
              + " bytes of snapshot "
              + snap.metadata().index()
              + " at offset "
              + start
              + ", expected "
              + (end - start));
    }
    outbox.send(
        new InstallSnapshot(id, to, term, snap.metadata(), start, chunk, end == pr.snapshotSize));
    return end;
  }
}

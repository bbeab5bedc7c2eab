package dev.raftkv.transport;

import dev.raftkv.raft.Message;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The messages waiting to go to one peer, bounded twice: by count ({@code capacity}) and by the
 * entries and snapshot data they carry ({@link #MAX_BYTES}, as {@link MessageCodec#estimateSize}
 * counts them, worked out once per message). A message alone is always taken, however large.
 *
 * <p>Thread-safe and non-blocking: any thread may {@link #offer}; a full queue refuses at once
 * rather than waits. {@link #poll} and {@link #clear} are meant for one consumer (the peer's event
 * loop). Nothing throws.
 */
final class PeerQueue {

  /**
   * The entries and snapshot data one peer's queue may hold: a connection that stalls (a slow or
   * cut-off peer, a reconnect's backoff) holds at most this much heap, not {@code queueCapacity}
   * snapshot chunks of a megabyte each. Twice the Raft core's default bytes in flight per follower.
   */
  static final long MAX_BYTES = 64L << 20;

  /** What {@link #offer} did. */
  enum Offered {
    /** Queued. */
    QUEUED,
    /** Refused: the queue holds {@code capacity} messages. */
    FULL_COUNT,
    /** Refused: the message would take the queue past {@link #MAX_BYTES}. */
    FULL_BYTES
  }

  /** A queued message and the bytes it counts against {@link #MAX_BYTES}, worked out once. */
  private record Queued(Message message, int bytes) {}

  private final int capacity;
  private final BlockingQueue<Queued> queue;

  /** What the queued messages carry, bounded by {@link #MAX_BYTES}. */
  private final AtomicLong queuedBytes = new AtomicLong();

  /** A queue of at most {@code capacity} messages (at least 1). */
  PeerQueue(int capacity) {
    this.capacity = capacity;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  int capacity() {
    return capacity;
  }

  /** Queues {@code m} unless the queue is full, in messages or in bytes. */
  Offered offer(Message m) {
    int size = MessageCodec.estimateSize(m);
    long before = queuedBytes.getAndAdd(size);
    if (before > 0 && before + size > MAX_BYTES) {
      queuedBytes.addAndGet(-size);
      return Offered.FULL_BYTES;
    }
    if (!queue.offer(new Queued(m, size))) {
      queuedBytes.addAndGet(-size);
      return Offered.FULL_COUNT;
    }
    return Offered.QUEUED;
  }

  /** Takes the next queued message, or null. */
  Message poll() {
    Queued q = queue.poll();
    if (q == null) {
      return null;
    }
    queuedBytes.addAndGet(-q.bytes());
    return q.message();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Drops everything queued; returns how many messages that was. */
  int clear() {
    int n = 0;
    while (poll() != null) {
      n++;
    }
    return n;
  }
}

package dev.raftkv.transport;

import java.util.Set;

/**
 * Whether this member exchanges messages with its peers at all, and with which: the transport's
 * lifecycle, detach (an admin's switch), and the peers blocked for fault injection. Every part
 * consults it before it queues, writes, delivers or reconnects.
 *
 * <p>Thread-safe: three volatile fields, each read without a lock (the send path reads them for
 * every message) and replaced whole. Nothing blocks or throws. The transport serializes lifecycle
 * changes itself.
 */
final class LinkState {

  /** Where the transport is in its life: it only talks while STARTED. */
  enum Lifecycle {
    NEW,
    STARTED,
    CLOSED
  }

  private volatile Lifecycle lifecycle = Lifecycle.NEW;
  private volatile boolean detached;
  private volatile Set<Long> blocked = Set.of(); // immutable; replaced whole by block

  Lifecycle lifecycle() {
    return lifecycle;
  }

  void moveTo(Lifecycle next) {
    lifecycle = next;
  }

  /** Whether the transport is started and not yet closed. */
  boolean started() {
    return lifecycle == Lifecycle.STARTED;
  }

  /** Whether the member is detached from all its peers. */
  boolean detached() {
    return detached;
  }

  void detached(boolean detached) {
    this.detached = detached;
  }

  /** Whether no message may go to or come from {@code peer}. */
  boolean blocks(long peer) {
    return blocked.contains(peer);
  }

  /** The blocked peers: an immutable set, empty when none. */
  Set<Long> blocked() {
    return blocked;
  }

  /**
   * Blocks exactly {@code peers}, replacing the previous set.
   *
   * @return the blocked peers, an immutable copy of {@code peers}
   */
  Set<Long> block(Set<Long> peers) {
    Set<Long> now = Set.copyOf(peers);
    blocked = now;
    return now;
  }
}

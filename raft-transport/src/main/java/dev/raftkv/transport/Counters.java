package dev.raftkv.transport;

import java.util.concurrent.atomic.LongAdder;

/**
 * The mutable counters behind {@link TransportStats}: {@link LongAdder}s, so every part of the
 * transport may count from any thread without a lock.
 */
final class Counters {
  final LongAdder sent = new LongAdder();
  final LongAdder received = new LongAdder();
  final LongAdder droppedQueueFull = new LongAdder();
  final LongAdder droppedDetached = new LongAdder();
  final LongAdder droppedTooLarge = new LongAdder();
  final LongAdder droppedUnreachable = new LongAdder();

  /** Accepted connections refused at the TLS handshake (see {@link TlsRefusals}). */
  final LongAdder tlsRefused = new LongAdder();

  TransportStats snapshot() {
    return new TransportStats(
        sent.sum(),
        received.sum(),
        droppedQueueFull.sum(),
        droppedDetached.sum(),
        droppedTooLarge.sum(),
        droppedUnreachable.sum());
  }
}

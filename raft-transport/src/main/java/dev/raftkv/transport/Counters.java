package dev.raftkv.transport;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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

  /** Frame bytes written to each peer and read from each, by member id. */
  private final Map<Long, LongAdder> sentBytes = new ConcurrentHashMap<>();

  private final Map<Long, LongAdder> receivedBytes = new ConcurrentHashMap<>();

  void sentBytes(long peer, long bytes) {
    adder(sentBytes, peer).add(bytes);
  }

  void receivedBytes(long peer, long bytes) {
    adder(receivedBytes, peer).add(bytes);
  }

  private static LongAdder adder(Map<Long, LongAdder> byPeer, long peer) {
    LongAdder a = byPeer.get(peer);
    return a != null ? a : byPeer.computeIfAbsent(peer, p -> new LongAdder());
  }

  /** Bytes per peer, in member id order, for {@link TcpTransport#peerTraffic}. */
  Map<Long, PeerTraffic> traffic() {
    Map<Long, PeerTraffic> out = new TreeMap<>();
    sentBytes.forEach((p, n) -> out.put(p, new PeerTraffic(n.sum(), 0)));
    receivedBytes.forEach(
        (p, n) ->
            out.merge(
                p,
                new PeerTraffic(0, n.sum()),
                (a, b) -> new PeerTraffic(a.sentBytes(), b.receivedBytes())));
    return out;
  }

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

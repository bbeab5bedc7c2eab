package dev.raftkv.transport;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;

/**
 * This member's outbound connections by peer id: one {@link PeerConnection} per peer it sends to,
 * made on first use and dropped for good when its member leaves (it has no address any more).
 *
 * <p>Thread-safe: a concurrent map; lookups are lock-free, and {@link #open} only locks (briefly,
 * inside the map) the first time a peer is used. Changes to a connection are handed to its event
 * loop ({@link PeerConnection#onLoop}), so nothing here blocks or throws.
 */
final class PeerConnections {

  private final Map<Long, PeerConnection> byId = new ConcurrentHashMap<>();
  private final Shared shared;
  private final RemovedNotice removedNotice;

  /** Connections made from {@code shared}; a peer's "you were removed" goes to the notice. */
  PeerConnections(Shared shared, RemovedNotice removedNotice) {
    this.shared = shared;
    this.removedNotice = removedNotice;
  }

  /** The connection to {@code id}, made on {@code endpoint}'s next event loop if there is none. */
  PeerConnection open(long id, Endpoint endpoint) {
    return byId.computeIfAbsent(
        id,
        k ->
            new PeerConnection(
                k, endpoint.nextLoop(), shared, endpoint.advertised(), removedNotice));
  }

  /** Whether the connection to {@code id} is open and past its handshake. */
  boolean isConnected(long id) {
    PeerConnection p = byId.get(id);
    return p != null && p.isConnected();
  }

  /** Closes the connection to {@code id}, if any, and connects again if there is work. */
  void reconnect(long id) {
    PeerConnection p = byId.get(id);
    if (p != null) {
      p.onLoop(() -> p.reconnect());
    }
  }

  /**
   * Follows a change of the directory: drops the connections of members it has no address for now,
   * and reconnects those whose address differs from {@code before}.
   */
  // byId is a ConcurrentHashMap: its views' iterators are weakly consistent, and removing the
  // entry being visited is safe.
  @SuppressWarnings("ModifyCollectionInEnhancedForLoop")
  void follow(PeerDirectory directory, Map<Long, InetSocketAddress> before) {
    for (PeerConnection p : byId.values()) {
      InetSocketAddress now = directory.addressOf(p.id());
      if (now == null) {
        byId.remove(p.id(), p);
        p.onLoop(() -> p.remove());
      } else if (!now.equals(before.get(p.id()))) {
        p.onLoop(() -> p.reconnect());
      }
    }
  }

  /** Drops for good the connections to the members {@code gone} matches. */
  // byId is a ConcurrentHashMap (see follow).
  @SuppressWarnings("ModifyCollectionInEnhancedForLoop")
  void removeIf(LongPredicate gone) {
    for (PeerConnection p : byId.values()) {
      if (gone.test(p.id())) {
        byId.remove(p.id(), p);
        p.onLoop(() -> p.remove());
      }
    }
  }

  /**
   * Closes the connections to the members {@code which} matches and drops their queues (counted in
   * {@code droppedAs}); they connect again when sent to while allowed.
   */
  void disconnectIf(LongPredicate which, LongAdder droppedAs) {
    for (PeerConnection p : byId.values()) {
      if (which.test(p.id())) {
        p.onLoop(() -> p.disconnect(droppedAs));
      }
    }
  }
}

package dev.raftkv.transport;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who this member's peers are and where they listen: the peer map the application sets after
 * membership changes, the addresses learned from the handshakes of accepted members the map does
 * not name yet, and the members marked removed from the cluster.
 *
 * <p>The peer map never names this member: an entry for it is ignored. A learned address goes when
 * the map names its member (the configured address wins) or when the member is marked removed; no
 * learned address belongs to a removed member once {@link #markRemoved} returns.
 *
 * <p>Thread-safe. Lookups ({@link #addressOf}, {@link #lists}, {@link #isRemoved}) are lock-free
 * reads of concurrent maps and a volatile set, fit for the send path; nothing blocks or throws. A
 * replacement of the peer map is not atomic with respect to another replacement running at the same
 * time: callers serialize membership changes.
 */
final class PeerDirectory {

  /**
   * What the maps held before {@link #replace} changed them.
   *
   * @param reachable every member's address then: the peer map's, else the learned one
   * @param listed the members the peer map named then
   */
  record Before(Map<Long, InetSocketAddress> reachable, Set<Long> listed) {}

  /**
   * What {@link #learn} did.
   *
   * @param removed the member is marked removed, so nothing was remembered
   * @param before the address remembered for the member until then; null if none
   */
  record Learned(boolean removed, InetSocketAddress before) {}

  private final long self;
  private final Map<Long, InetSocketAddress> addresses = new ConcurrentHashMap<>();

  /**
   * Members outside {@link #addresses} accepted by a handshake (same cluster, not removed): where
   * their Hello said they listen. Never holds a key of {@link #removed} once markRemoved returns; a
   * key that enters {@link #addresses} is dropped by the next replace.
   */
  private final Map<Long, InetSocketAddress> learned = new ConcurrentHashMap<>();

  private volatile Set<Long> removed = Set.of(); // immutable; replaced whole by markRemoved

  /** The directory of member {@code self}, whose peer map starts as {@code peers}. */
  PeerDirectory(long self, Map<Long, InetSocketAddress> peers) {
    this.self = self;
    setAddresses(peers);
  }

  /** Where to reach {@code id}: the peer map's address, else the learned one, else null. */
  InetSocketAddress addressOf(long id) {
    InetSocketAddress a = addresses.get(id);
    return a != null ? a : learned.get(id);
  }

  /** Whether the peer map names {@code id}. */
  boolean lists(long id) {
    return addresses.containsKey(id);
  }

  /** Whether {@code id} is marked removed from the cluster. */
  boolean isRemoved(long id) {
    return removed.contains(id);
  }

  /** A copy of the peer map. */
  Map<Long, InetSocketAddress> listed() {
    return Map.copyOf(addresses);
  }

  /** A copy of the learned addresses. */
  Map<Long, InetSocketAddress> learned() {
    return Map.copyOf(learned);
  }

  /** The peer map with {@code id} at {@code address}; this directory is unchanged. */
  Map<Long, InetSocketAddress> with(long id, InetSocketAddress address) {
    Map<Long, InetSocketAddress> next = new HashMap<>(addresses);
    next.put(id, address);
    return next;
  }

  /** The peer map without {@code id}; this directory is unchanged. */
  Map<Long, InetSocketAddress> without(long id) {
    Map<Long, InetSocketAddress> next = new HashMap<>(addresses);
    next.remove(id);
    return next;
  }

  /**
   * Makes {@code peers} the peer map and drops the learned addresses of the members it names.
   *
   * @return what the maps held before, for the caller to find moved and dropped members
   */
  Before replace(Map<Long, InetSocketAddress> peers) {
    Map<Long, InetSocketAddress> reachable = new HashMap<>(learned);
    reachable.putAll(addresses);
    Set<Long> listed = Set.copyOf(addresses.keySet());
    setAddresses(peers);
    learned.keySet().removeAll(addresses.keySet());
    return new Before(reachable, listed);
  }

  /**
   * Marks {@code ids} (and only them) removed and forgets their learned addresses.
   *
   * @return the removed members, an immutable copy of {@code ids}
   */
  Set<Long> markRemoved(Set<Long> ids) {
    Set<Long> now = Set.copyOf(ids);
    removed = now;
    learned.keySet().removeAll(now);
    return now;
  }

  /**
   * Remembers that accepted member {@code from}, which the peer map does not name, listens at
   * {@code at} (replacing what was remembered), unless it is marked removed.
   */
  Learned learn(long from, InetSocketAddress at) {
    InetSocketAddress before = learned.put(from, at);
    if (removed.contains(from)) {
      learned.remove(from); // markRemoved ran meanwhile
      return new Learned(true, before);
    }
    return new Learned(false, before);
  }

  /**
   * Where to answer a member whose Hello said it listens at {@code said} and whose connection comes
   * from {@code remote}: an IP literal is taken as is (a host name stays unresolved, to be resolved
   * when connecting), and a wildcard address means "where this connection comes from". Null if the
   * Hello named no address. Pure; no lookup.
   */
  static InetSocketAddress answerAddress(InetSocketAddress said, SocketAddress remote) {
    if (said == null) {
      return null;
    }
    InetAddress literal = NetUtil.createInetAddressFromIpAddressString(said.getHostString());
    if (literal != null
        && literal.isAnyLocalAddress()
        && remote instanceof InetSocketAddress r
        && r.getAddress() != null) {
      literal = r.getAddress();
    }
    return literal != null ? new InetSocketAddress(literal, said.getPort()) : said;
  }

  private void setAddresses(Map<Long, InetSocketAddress> peers) {
    Map<Long, InetSocketAddress> copy = new HashMap<>(peers);
    copy.remove(self);
    addresses.keySet().retainAll(copy.keySet());
    addresses.putAll(copy);
  }
}

package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

import dev.raftkv.raft.Message;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The {@link Transport} between members over TCP, on Netty.
 *
 * <p><b>Connections.</b> Each member listens on its peer address and opens one connection to each
 * peer it sends to, lazily on the first message. Messages flow only from the member that opened a
 * connection, so every pair of members talking both ways has two connections. A new connection
 * starts with a {@link Handshake}: the opener names its cluster, itself, the member it wants and
 * the address it listens on; the listener refuses (and logs, once per offending peer) a peer from
 * another cluster, a member marked removed ({@link #setRemovedMembers}), one claiming the
 * listener's own id, a connection meant for another member, and anything while detached. A broken
 * or refused connection is retried while there are messages for that peer, after a wait that starts
 * at {@link TcpTransportConfig#initialBackoff()} and doubles up to {@link
 * TcpTransportConfig#maxBackoff()}; a handshake that succeeds resets it. Messages queued for a
 * connection that fails are dropped (Raft retransmits), so a reconnect never replays a stale
 * backlog; messages sent during the wait are kept for the next attempt.
 *
 * <p><b>Members it does not know yet.</b> A member of this cluster that is not in the peer map and
 * not removed is accepted, as etcd accepts messages from any member of its cluster: a member whose
 * view of the membership is behind (restarted, or partitioned while members were added) must still
 * take the log from a leader added after it, or it never learns of that leader (docs/chaos.md,
 * membership bug 2). Its Hello's address is remembered apart from the peer map, so that the answers
 * Raft sends to the sender id reach it; the first such acceptance of each member is logged at INFO.
 * A later Hello from it refreshes the address. The entry goes when the member enters the peer map
 * (the configured address wins) or is marked removed. A sender whose Hello names no address (an
 * older build) is accepted too, but messages to it drop until the peer map names it.
 *
 * <p><b>Queues and batching.</b> {@link #send} puts the message on the recipient's bounded queue
 * and wakes that peer's event loop at most once per batch; the loop writes up to {@value
 * PeerConnection#MAX_BATCH} frames and then flushes once, so a burst of sends costs a few syscalls.
 * A full queue, or a connection whose socket buffer is above its high-water mark, makes further
 * messages drop (counted in {@link #stats()}): Raft retransmits, and a slow peer cannot make the
 * sender buffer without bound.
 *
 * <p><b>Blocked peers.</b> {@link #setBlocked} names peers this member must not talk to, for fault
 * injection ({@code raftkv chaos}): messages to them are dropped before they are queued (and what
 * was queued is dropped), messages from them are dropped on arrival, and connections both ways are
 * closed when the block starts, so nothing crosses the link at this member in either direction. A
 * partition between two members is a block on both sides; a one-way partition is a block on one
 * side only (the other side's messages still leave, and are dropped at the blocking member). Drops
 * are counted as {@link TransportStats#droppedUnreachable()}.
 *
 * <p><b>Threads.</b> A small Netty event-loop group (see {@link TcpTransportConfig#ioThreads()})
 * does all I/O. The handler runs on an event-loop thread, or on the {@link Executor} given to the
 * constructor; messages of one connection reach it in order. {@link #start} and {@link #close}
 * block (see each); every other method returns without waiting for the network. Any thread may call
 * any method, though membership changes ({@link #updatePeers}) are expected one at a time, as the
 * application applies them. The package documentation names the parts this class delegates to.
 */
public final class TcpTransport implements Transport {

  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  private final TcpTransportConfig config;
  private final long memberId;
  private final MessageCodec codec;
  private final Counters counters = new Counters();
  private final LogOnce logOnce = new LogOnce(LOG);
  private final LinkState link = new LinkState();
  private final PeerDirectory directory;
  private final Shared shared;
  private final RemovedNotice removedNotice = new RemovedNotice();

  /** The outbound side: one connection per peer this member sends to, made on first use. */
  private final PeerConnections peers;

  /** The inbound side: the connections peers opened, and where their messages go. */
  private final InboundChannels inbound = new InboundChannels();

  private final Delivery delivery;
  private volatile Supplier<byte[]> clusterInfo = () -> new byte[0];

  /** Serializes {@link #addPeer} and {@link #removePeer}: each edits the peer map in force. */
  private final Object peerEdits = new Object();

  private volatile Endpoint endpoint; // the event loops and the listening socket; set by start()

  /** A transport whose handler runs on the Netty event-loop threads. */
  public TcpTransport(TcpTransportConfig config, Consumer<Message> handler) {
    this(config, handler, null);
  }

  /**
   * A transport whose handler runs on {@code executor} (for example the node loop's executor).
   *
   * @param executor runs the handler; null runs it on the event-loop threads
   */
  public TcpTransport(TcpTransportConfig config, Consumer<Message> handler, Executor executor) {
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(handler, "handler");
    this.memberId = config.memberId();
    this.codec = new MessageCodec(config.maxFrameBytes());
    this.directory = new PeerDirectory(memberId, config.peers());
    this.shared = new Shared(config, codec, counters, logOnce, directory, link);
    this.peers = new PeerConnections(shared, removedNotice);
    this.delivery = new Delivery(memberId, handler, executor, counters);
  }

  @Override
  public synchronized void start() {
    if (link.lifecycle() != LinkState.Lifecycle.NEW) {
      throw new IllegalStateException(
          "transport of member " + hex(memberId) + " is " + link.lifecycle());
    }
    Endpoint e;
    try {
      e =
          Endpoint.bind(
              shared,
              () ->
                  new InboundHandler(
                      shared, inbound, delivery, this::currentClusterInfo, peers::reconnect));
    } catch (UncheckedIOException bindFailed) {
      link.moveTo(LinkState.Lifecycle.CLOSED);
      throw bindFailed;
    }
    endpoint = e;
    link.moveTo(LinkState.Lifecycle.STARTED);
    LOG.log(
        System.Logger.Level.INFO,
        "member {0} of cluster {1} listening for peers on {2}",
        hex(memberId),
        hex(config.clusterId()),
        e.localAddress());
  }

  /**
   * The address this member listens on (with the actual port when configured with port 0).
   *
   * @throws IllegalStateException if not started
   */
  public InetSocketAddress localAddress() {
    Endpoint e = endpoint;
    if (e == null) {
      throw new IllegalStateException("transport of member " + hex(memberId) + " is not started");
    }
    return e.localAddress();
  }

  /**
   * Replaces the peer address map (after a membership change). Connections to and from members no
   * longer listed are closed and their queues dropped; a member whose address changed is
   * reconnected. A listed member's address replaces one learned from its handshake. A member no
   * longer listed may connect again and is then accepted like any member this member does not know
   * (see the class comment): only {@link #setRemovedMembers} keeps a member out.
   */
  public void updatePeers(Map<Long, InetSocketAddress> newPeers) {
    PeerDirectory.Before before = directory.replace(newPeers);
    peers.follow(directory, before.reachable());
    inbound.closeFrom(from -> before.listed().contains(from) && !directory.lists(from));
  }

  /**
   * Adds member {@code id} at {@code address}, or moves it there (after a membership change); the
   * other peers stay as they are. See {@link #updatePeers}.
   */
  public void addPeer(long id, InetSocketAddress address) {
    Objects.requireNonNull(address, "address");
    synchronized (peerEdits) {
      updatePeers(directory.with(id, address));
    }
  }

  /**
   * Drops member {@code id} (after a membership change removed it): its queue and connections are
   * closed and its connections are no longer accepted. See {@link #updatePeers}.
   */
  public void removePeer(long id) {
    synchronized (peerEdits) {
      updatePeers(directory.without(id));
    }
  }

  /**
   * The peer address map in force (without this member), as the application set it: addresses
   * learned from the handshakes of members it does not list are not included (see {@link
   * #learnedPeers()}).
   */
  public Map<Long, InetSocketAddress> peers() {
    return directory.listed();
  }

  /**
   * Members outside {@link #peers()} that this member accepted (same cluster, not removed) and
   * answers at the address their handshake gave (for tests, diagnostics).
   */
  public Map<Long, InetSocketAddress> learnedPeers() {
    return directory.learned();
  }

  /**
   * The ids of members removed from the cluster; replaces the previous set. A removed member that
   * connects is answered with {@link Handshake.Status#REMOVED} (etcd answers 410 Gone), so that it
   * learns it was removed even if it never applied its own removal, and stops. This is the only
   * thing that keeps a member of this cluster out: one merely missing from the peer map is
   * accepted. Open connections from the listed members are closed, and addresses learned from their
   * handshakes are forgotten (messages to them drop unless the peer map still names them).
   */
  public void setRemovedMembers(Set<Long> ids) {
    Set<Long> now = directory.markRemoved(ids);
    peers.removeIf(id -> now.contains(id) && directory.addressOf(id) == null);
    inbound.closeFrom(now::contains);
  }

  /**
   * Called (on an event-loop thread, at most once) when a peer refuses this member because it was
   * removed from the cluster; the argument is the peer's explanation. Must not block.
   */
  public void onRemoved(Consumer<String> listener) {
    removedNotice.set(listener);
  }

  /**
   * What this member answers a joining member's {@link ClusterInfo} query with, besides the cluster
   * id (called on an event-loop thread for each query; must not block).
   */
  public void setClusterInfo(Supplier<byte[]> info) {
    clusterInfo = Objects.requireNonNull(info, "info");
  }

  /**
   * {@inheritDoc}
   *
   * <p>Messages sent before {@link #detach()} returned may still reach their recipient.
   */
  @Override
  public void send(Message message) {
    Objects.requireNonNull(message, "message");
    PeerConnection peer = peerFor(message);
    if (peer != null && peer.offer(message)) {
      peer.wake();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Queues every message first and then wakes each recipient's connection once, so a {@code
   * Ready}'s messages leave in as few writes as possible.
   */
  @Override
  public void sendAll(Collection<? extends Message> messages) {
    List<PeerConnection> touched = new ArrayList<>(4);
    for (Message m : messages) {
      PeerConnection peer = peerFor(Objects.requireNonNull(m, "message"));
      if (peer != null && peer.offer(m) && !touched.contains(peer)) {
        touched.add(peer);
      }
    }
    for (PeerConnection peer : touched) {
      peer.wake();
    }
  }

  /** The recipient's peer, or null after counting the message as dropped. */
  private PeerConnection peerFor(Message message) {
    if (link.detached()) {
      counters.droppedDetached.increment();
      return null;
    }
    long to = message.to();
    if (link.blocks(to)) {
      counters.droppedUnreachable.increment();
      return null;
    }
    if (!link.started() || to == memberId || directory.addressOf(to) == null) {
      counters.droppedUnreachable.increment();
      if (link.started()) {
        logOnce.log(
            "send:unknown:" + to,
            System.Logger.Level.WARNING,
            "member {0} has no address for member {1}; dropping its messages",
            hex(memberId),
            hex(to));
      }
      return null;
    }
    return peers.open(to, endpoint);
  }

  @Override
  public void detach() {
    link.detached(true);
    peers.disconnectIf(id -> true, counters.droppedDetached);
    inbound.closeAll();
    LOG.log(System.Logger.Level.INFO, "member {0} detached from its peers", hex(memberId));
  }

  @Override
  public void attach() {
    link.detached(false);
    LOG.log(System.Logger.Level.INFO, "member {0} attached to its peers", hex(memberId));
  }

  @Override
  public boolean isDetached() {
    return link.detached();
  }

  /**
   * Replaces the set of blocked peers: from when this returns until the next call, no message goes
   * to or comes from a listed member (see the class comment). Connections to and from newly blocked
   * peers are closed and their queued messages dropped; traffic with peers no longer listed flows
   * again, reconnecting as needed. Ids that are not peers (or this member's own) are kept but have
   * no effect. Thread-safe; an empty set unblocks every peer.
   */
  public void setBlocked(Set<Long> peerIds) {
    Set<Long> now = link.block(peerIds);
    peers.disconnectIf(now::contains, counters.droppedUnreachable);
    inbound.closeFrom(now::contains);
    LOG.log(
        System.Logger.Level.INFO,
        "member {0} blocks peers {1}",
        hex(memberId),
        now.isEmpty() ? "(none)" : now.stream().map(Long::toHexString).sorted().toList());
  }

  /** The peers blocked by {@link #setBlocked} (an immutable set; empty when none). */
  public Set<Long> blocked() {
    return link.blocked();
  }

  @Override
  public TransportStats stats() {
    return counters.snapshot();
  }

  /**
   * The bytes exchanged with each peer since this transport was constructed, by member id (what
   * etcd's peer sent and received byte counters show). Cheap: sums of per-peer adders.
   */
  public Map<Long, PeerTraffic> peerTraffic() {
    return counters.traffic();
  }

  /**
   * How many accepted peer connections were refused at the TLS handshake since this transport was
   * constructed (always 0 without peer TLS); each refusal happens before the cluster-id handshake.
   */
  public long tlsRefusals() {
    return counters.tlsRefused.sum();
  }

  /** Whether a connection to {@code peerId} is open and past its handshake (for tests, metrics). */
  public boolean isConnected(long peerId) {
    return peers.isConnected(peerId);
  }

  /**
   * {@inheritDoc}
   *
   * <p>When called from a thread other than the transport's own, the listening port is released
   * before this returns (waiting at most 5 seconds), so a member restarted in the same process can
   * listen on it again at once.
   */
  @Override
  public void close() {
    Endpoint e;
    synchronized (this) {
      if (link.lifecycle() == LinkState.Lifecycle.CLOSED) {
        return;
      }
      link.moveTo(LinkState.Lifecycle.CLOSED);
      e = endpoint;
    }
    if (e == null) {
      return;
    }
    e.close(inbound::closeAll);
    LOG.log(System.Logger.Level.INFO, "member {0} transport closed", hex(memberId));
  }

  private byte[] currentClusterInfo() {
    return clusterInfo.get();
  }
}

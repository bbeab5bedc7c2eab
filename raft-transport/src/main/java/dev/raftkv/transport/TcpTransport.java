package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

import dev.raftkv.raft.Message;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
 * constructor; messages of one connection reach it in order.
 */
public final class TcpTransport implements Transport {

  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  /** On an accepted inbound connection: the member id its handshake proved. */
  private static final AttributeKey<Long> PEER_ID = AttributeKey.valueOf("raftkv.peerId");

  /** How {@link InboundHandler#learn} logs a member it accepted but does not list; a prefix. */
  private static final String ACCEPTED_UNKNOWN =
      "member {0} accepted member {1} of its cluster, which its peer map does not name yet (its"
          + " view of the membership is behind); ";

  private final TcpTransportConfig config;
  private final long clusterId;
  private final long memberId;
  private final Consumer<Message> handler;
  private final Executor executor; // null: run the handler on the event loop
  private final MessageCodec codec;
  private final PeerDirectory directory;

  /** Serializes {@link #addPeer} and {@link #removePeer}: each edits the peer map in force. */
  private final Object peerEdits = new Object();

  private final Map<Long, PeerConnection> peers = new ConcurrentHashMap<>();
  private final Set<Channel> inbound = ConcurrentHashMap.newKeySet();
  private final LogOnce logOnce = new LogOnce(LOG);
  private final Counters counters = new Counters();
  private final LinkState link = new LinkState();
  private final Shared shared;
  private final Consumer<String> removedNotice = this::toldRemoved;
  private volatile Supplier<byte[]> clusterInfo = () -> new byte[0];
  private volatile Consumer<String> removedListener = reason -> {};
  private volatile EventLoopGroup group;
  private volatile Channel serverChannel;
  private volatile InetSocketAddress advertised; // sent in each Hello; set by start()

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
    this.handler = Objects.requireNonNull(handler, "handler");
    this.executor = executor;
    this.clusterId = config.clusterId();
    this.memberId = config.memberId();
    this.codec = new MessageCodec(config.maxFrameBytes());
    this.directory = new PeerDirectory(memberId, config.peers());
    this.shared = new Shared(config, codec, counters, logOnce, directory, link);
  }

  @Override
  public synchronized void start() {
    if (link.lifecycle() != LinkState.Lifecycle.NEW) {
      throw new IllegalStateException(
          "transport of member " + hex(memberId) + " is " + link.lifecycle());
    }
    EventLoopGroup g =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(),
            new DefaultThreadFactory("raftkv-transport-" + memberId, true),
            NioIoHandler.newFactory());
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(g)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new FrameDecoder(codec), new InboundHandler());
                  }
                });
    ChannelFuture bound = bootstrap.bind(config.listenAddress()).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
      link.moveTo(LinkState.Lifecycle.CLOSED);
      Throwable cause = bound.cause();
      String what =
          "member " + hex(memberId) + " cannot listen on " + config.listenAddress() + ": " + cause;
      throw new UncheckedIOException(
          what, cause instanceof IOException io ? io : new IOException(what, cause));
    }
    group = g;
    serverChannel = bound.channel();
    advertised = (InetSocketAddress) serverChannel.localAddress();
    link.moveTo(LinkState.Lifecycle.STARTED);
    LOG.log(
        System.Logger.Level.INFO,
        "member {0} of cluster {1} listening for peers on {2}",
        hex(memberId),
        hex(clusterId),
        serverChannel.localAddress());
  }

  /**
   * The address this member listens on (with the actual port when configured with port 0).
   *
   * @throws IllegalStateException if not started
   */
  public InetSocketAddress localAddress() {
    Channel ch = serverChannel;
    if (ch == null) {
      throw new IllegalStateException("transport of member " + hex(memberId) + " is not started");
    }
    return (InetSocketAddress) ch.localAddress();
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
    for (PeerConnection p : peers.values()) {
      InetSocketAddress now = directory.addressOf(p.id());
      if (now == null) {
        peers.remove(p.id(), p);
        p.onLoop(() -> p.remove());
      } else if (!now.equals(before.reachable().get(p.id()))) {
        p.onLoop(() -> p.reconnect());
      }
    }
    for (Channel ch : inbound) {
      Long from = ch.attr(PEER_ID).get();
      if (from != null && before.listed().contains(from) && !directory.lists(from)) {
        ch.close();
      }
    }
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
    for (PeerConnection p : peers.values()) {
      if (now.contains(p.id()) && directory.addressOf(p.id()) == null) {
        peers.remove(p.id(), p);
        p.onLoop(() -> p.remove());
      }
    }
    for (Channel ch : inbound) {
      Long from = ch.attr(PEER_ID).get();
      if (from != null && now.contains(from)) {
        ch.close();
      }
    }
  }

  /**
   * Called (on an event-loop thread, at most once) when a peer refuses this member because it was
   * removed from the cluster; the argument is the peer's explanation. Must not block.
   */
  public void onRemoved(Consumer<String> listener) {
    removedListener = Objects.requireNonNull(listener, "listener");
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
    EventLoopGroup g = group;
    return peers.computeIfAbsent(
        to, id -> new PeerConnection(id, g.next(), shared, advertised, removedNotice));
  }

  @Override
  public void detach() {
    link.detached(true);
    for (PeerConnection p : peers.values()) {
      p.onLoop(() -> p.disconnect(counters.droppedDetached));
    }
    for (Channel ch : inbound) {
      ch.close();
    }
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
    for (PeerConnection p : peers.values()) {
      if (now.contains(p.id())) {
        p.onLoop(() -> p.disconnect(counters.droppedUnreachable));
      }
    }
    for (Channel ch : inbound) {
      Long from = ch.attr(PEER_ID).get();
      if (from != null && now.contains(from)) {
        ch.close();
      }
    }
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

  /** Whether a connection to {@code peerId} is open and past its handshake (for tests, metrics). */
  public boolean isConnected(long peerId) {
    PeerConnection p = peers.get(peerId);
    return p != null && p.isConnected();
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
    EventLoopGroup g;
    synchronized (this) {
      if (link.lifecycle() == LinkState.Lifecycle.CLOSED) {
        return;
      }
      link.moveTo(LinkState.Lifecycle.CLOSED);
      g = group;
    }
    if (g == null) {
      return;
    }
    boolean onOwnThread = false;
    for (EventExecutor e : g) {
      onOwnThread |= e.inEventLoop();
    }
    if (!onOwnThread) {
      // Close the listening socket and the accepted connections first, and wait: the group's own
      // shutdown can race an arriving connection and leave the listener open for the life of the
      // JVM, so a member restarted in the same process found its port "already in use"
      // (TcpTransportRestartTest).
      List<ChannelFuture> closing = new ArrayList<>();
      Channel listener = serverChannel;
      if (listener != null) {
        closing.add(listener.close());
      }
      for (Channel ch : inbound) {
        closing.add(ch.close());
      }
      for (ChannelFuture f : closing) {
        f.awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
    // Shutting the group down closes whatever is left: the outgoing connections.
    io.netty.util.concurrent.Future<?> done = g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    if (!onOwnThread) {
      done.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    LOG.log(System.Logger.Level.INFO, "member {0} transport closed", hex(memberId));
  }

  private void deliver(Message m) {
    counters.received.increment();
    if (executor == null) {
      runHandler(m);
    } else {
      try {
        executor.execute(() -> runHandler(m));
      } catch (RejectedExecutionException e) {
        counters.droppedUnreachable.increment();
      }
    }
  }

  /** A peer answered that this member was removed: runs the {@link #onRemoved} listener once. */
  private void toldRemoved(String detail) {
    Consumer<String> l = removedListener;
    removedListener = reason -> {};
    try {
      l.accept(detail);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "removed-member listener failed", e);
    }
  }

  private void runHandler(Message m) {
    try {
      handler.accept(m);
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          () -> MessageFormat.format("member {0}: handler threw on {1}", hex(memberId), m),
          e);
    }
  }

  /** The listener's side of a connection: judges the handshake, then delivers messages. */
  private final class InboundHandler extends SimpleChannelInboundHandler<Object> {
    private long peerId; // 0 until the handshake is accepted

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      inbound.add(ch);
      ctx.executor()
          .schedule(
              () -> {
                if (peerId == 0 && ch.isActive()) {
                  ch.close();
                }
              },
              config.connectTimeout().toNanos(),
              TimeUnit.NANOSECONDS);
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      inbound.remove(ctx.channel());
      ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object frame) {
      if (peerId == 0) {
        if (frame instanceof ClusterInfo.Query) {
          byte[] answer = codec.encodeClusterInfo(new ClusterInfo(clusterId, clusterInfo.get()));
          ctx.writeAndFlush(Unpooled.wrappedBuffer(answer))
              .addListener(ChannelFutureListener.CLOSE);
          return;
        }
        if (!(frame instanceof Handshake.Hello hello)) {
          logOnce.log(
              "in:" + host(ctx) + ":no-hello",
              System.Logger.Level.WARNING,
              "member {0}: {1} sent no handshake",
              hex(memberId),
              ctx.channel().remoteAddress());
          ctx.close();
          return;
        }
        Admission.Verdict verdict = judge(hello, ctx.channel().remoteAddress());
        ChannelFuture written =
            ctx.writeAndFlush(Unpooled.wrappedBuffer(codec.encodeReply(verdict.reply())));
        if (verdict.accepted()) {
          peerId = hello.from();
          ctx.channel().attr(PEER_ID).set(peerId);
        } else {
          written.addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
      if (!(frame instanceof Message m)) {
        logOnce.log(
            "in:" + peerId + ":unexpected",
            System.Logger.Level.WARNING,
            "member {0}: member {1} sent an unexpected frame {2}",
            hex(memberId),
            hex(peerId),
            frame);
        ctx.close();
        return;
      }
      if (link.detached()) {
        counters.droppedDetached.increment();
      } else if (!link.started() || link.blocks(peerId)) {
        counters.droppedUnreachable.increment();
      } else if (m.from() != peerId || m.to() != memberId) {
        counters.droppedUnreachable.increment();
        logOnce.log(
            "in:" + peerId + ":misaddressed",
            System.Logger.Level.WARNING,
            "member {0}: dropping misaddressed {1} on member {2}''s connection",
            hex(memberId),
            m,
            String.valueOf(peerId));
      } else {
        deliver(m);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable c = FrameDecoder.unwrap(cause);
      String kind = c instanceof CodecException ce ? ce.reason().name() : c.getClass().getName();
      logOnce.log(
          "in:" + (peerId != 0 ? peerId : host(ctx)) + ":error:" + kind,
          // A bad frame is a bug or a misconfiguration; a reset connection is the network.
          c instanceof CodecException ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
          peerId != 0
              ? "member {0}: closing the connection from member {1}: {2} (logged once)"
              : "member {0}: closing the connection from {1}: {2} (logged once)",
          hex(memberId),
          peerId != 0 ? String.valueOf(peerId) : ctx.channel().remoteAddress(),
          c.getMessage());
      ctx.close();
    }

    /**
     * The {@link Admission} verdict on {@code hello}; logs a refusal (once per sender and reason)
     * and learns the address of an accepted member the peer map does not name.
     */
    private Admission.Verdict judge(Handshake.Hello hello, SocketAddress remote) {
      Admission.Verdict verdict =
          Admission.judge(
              hello,
              new Admission.Facts(
                  clusterId,
                  memberId,
                  link.detached(),
                  directory.isRemoved(hello.from()),
                  directory.lists(hello.from())));
      switch (verdict.reason()) {
        case WRONG_CLUSTER ->
            logOnce.log(
                "in:cluster:" + hello.clusterId() + ":" + hello.from(),
                System.Logger.Level.WARNING,
                "member {0} refused a peer connection from {1} claiming member {2} of cluster"
                    + " {3}: this is cluster {4} (logged once)",
                hex(memberId),
                remote,
                hex(hello.from()),
                hex(hello.clusterId()),
                hex(clusterId));
        case REMOVED ->
            logOnce.log(
                "in:removed:" + hello.from(),
                System.Logger.Level.WARNING,
                "member {0} refused a peer connection from removed member {1} (logged once)",
                hex(memberId),
                hex(hello.from()));
        case SELF ->
            logOnce.log(
                "in:self:" + hello.from(),
                System.Logger.Level.WARNING,
                "member {0} refused a peer connection from {1} claiming its own member id"
                    + " (logged once)",
                hex(memberId),
                remote);
        case WRONG_MEMBER ->
            logOnce.log(
                "in:wrong-member:" + hello.from(),
                System.Logger.Level.WARNING,
                "member {0} refused member {1}, which meant to reach member {2} (stale address"
                    + " map?) (logged once)",
                hex(memberId),
                hex(hello.from()),
                hex(hello.to()));
        case UNLISTED -> learn(hello, remote);
        case LISTED, DETACHED -> {}
      }
      return verdict;
    }

    /**
     * Remembers where an accepted member outside the peer map listens, so answers reach it; logs
     * the first acceptance of each such member at INFO.
     */
    private void learn(Handshake.Hello hello, SocketAddress remote) {
      long from = hello.from();
      InetSocketAddress at = PeerDirectory.answerAddress(hello.address(), remote);
      if (at == null) {
        logOnce.log(
            "in:unknown:" + from,
            System.Logger.Level.INFO,
            ACCEPTED_UNKNOWN
                + "the member did not say where it listens, so messages to it drop until a"
                + " membership change names it",
            hex(memberId),
            hex(from));
        return;
      }
      PeerDirectory.Learned learned = directory.learn(from, at);
      if (learned.removed()) {
        return; // setRemovedMembers ran meanwhile
      }
      InetSocketAddress before = learned.before();
      if (before == null) {
        logOnce.log(
            "in:unknown:" + from,
            System.Logger.Level.INFO,
            ACCEPTED_UNKNOWN + "answering it at {2} as its handshake says",
            hex(memberId),
            hex(from),
            at);
      } else if (!before.equals(at)) {
        LOG.log(
            System.Logger.Level.INFO,
            "member {0}: member {1} now says it listens at {2}, not {3}",
            hex(memberId),
            hex(from),
            at,
            before);
        PeerConnection p = peers.get(from);
        if (p != null) {
          p.onLoop(() -> p.reconnect());
        }
      }
    }

    private String host(ChannelHandlerContext ctx) {
      SocketAddress a = ctx.channel().remoteAddress();
      return a instanceof InetSocketAddress i ? i.getHostString() : String.valueOf(a);
    }
  }
}

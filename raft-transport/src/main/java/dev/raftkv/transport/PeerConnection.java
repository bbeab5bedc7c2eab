package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

import dev.raftkv.raft.Message;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The outbound side towards one peer: its {@link PeerQueue} and the connection that drains it.
 *
 * <p>The connection's life: idle (no channel, no retry) until a message is queued; then connecting
 * (a channel, the Hello sent, waiting for the Reply, at most the connect timeout); then connected
 * (the Reply accepted: the queue is written in batches of up to {@value #MAX_BATCH} frames, one
 * flush each, while the socket is below its high-water mark). A channel that closes or is refused
 * drops the backlog (Raft retransmits; a reconnect never replays stale appends) and, while the peer
 * is still wanted, schedules a retry after a backoff that starts at {@link
 * TcpTransportConfig#initialBackoff()}, doubles up to {@link TcpTransportConfig#maxBackoff()} and
 * resets on an accepted handshake; the retry connects only if something is queued by then. Detach,
 * a block, a move (the peer's address changed) and removal cut the connection at once; removal is
 * final.
 *
 * <p>Threads: {@link #offer}, {@link #wake}, {@link #onLoop} and {@link #isConnected} may be called
 * from any thread and never block. Everything else runs on {@link #loop}, which also runs the
 * connection's channel, so the connection state needs no locks. Nothing throws: failures are
 * counted in {@link Counters} and logged once per peer and kind.
 */
final class PeerConnection {

  /** Frames written to one connection between two flushes. */
  static final int MAX_BATCH = 256;

  // All the transport's parts log under its name, which is what operators configure.
  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  private final long id;
  private final EventLoop loop;
  private final TcpTransportConfig config;
  private final MessageCodec codec;
  private final Counters counters;
  private final LogOnce logOnce;
  private final PeerDirectory directory;
  private final LinkState link;
  private final InetSocketAddress advertised; // sent in each Hello
  private final Consumer<String> removedNotice; // told when the peer says this member was removed
  private final PeerQueue queue;

  /** Set while a wake-up task is queued on the loop: many sends, one task. */
  private final AtomicBoolean wakeQueued = new AtomicBoolean();

  private volatile boolean connected;

  // Confined to loop.
  private Channel channel; // the connection being made or in use; null when none
  private ScheduledFuture<?> retry; // a scheduled reconnect; null when none
  private long backoffNanos; // the last wait; 0 after a successful handshake
  private boolean removed;

  /**
   * The connection to member {@code id}, run on {@code loop}.
   *
   * @param advertised where this member listens, sent in each Hello
   * @param removedNotice called on {@code loop} when the peer answers that this member was removed,
   *     with the peer's explanation
   */
  PeerConnection(
      long id,
      EventLoop loop,
      Shared shared,
      InetSocketAddress advertised,
      Consumer<String> removedNotice) {
    this.id = id;
    this.loop = loop;
    this.config = shared.config();
    this.codec = shared.codec();
    this.counters = shared.counters();
    this.logOnce = shared.log();
    this.directory = shared.directory();
    this.link = shared.link();
    this.advertised = advertised;
    this.removedNotice = removedNotice;
    this.queue = new PeerQueue(config.queueCapacity());
  }

  /** The peer's member id. */
  long id() {
    return id;
  }

  /** Whether the connection is open and past its handshake. */
  boolean isConnected() {
    return connected;
  }

  /**
   * Queues {@code m}; false (counted, logged once) if the queue is full: {@code queueCapacity}
   * messages, or {@link PeerQueue#MAX_BYTES} of entries and snapshot data (one message alone is
   * always taken).
   */
  boolean offer(Message m) {
    PeerQueue.Offered offered = queue.offer(m);
    if (offered == PeerQueue.Offered.QUEUED) {
      return true;
    }
    counters.droppedQueueFull.increment();
    boolean overBytes = offered == PeerQueue.Offered.FULL_BYTES;
    logOnce.log(
        "queue-full:" + id,
        System.Logger.Level.WARNING,
        overBytes
            ? "member {0}: queue to member {1} is full ({2} MiB); dropping, Raft will"
                + " retransmit (logged once)"
            : "member {0}: queue to member {1} is full ({2} messages); dropping, Raft will"
                + " retransmit (logged once)",
        hex(config.memberId()),
        hex(id),
        String.valueOf(overBytes ? PeerQueue.MAX_BYTES >> 20 : queue.capacity()));
    return false;
  }

  /** Makes the loop pump soon; at most one wake-up is pending at a time. */
  void wake() {
    if (wakeQueued.compareAndSet(false, true)) {
      onLoop(
          () -> {
            wakeQueued.set(false);
            pump();
          });
    }
  }

  /** Runs {@code task} on the loop; drops it if the loop is shutting down (the transport is). */
  void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // The transport is closing; whatever was queued is lost with it.
    }
  }

  /** Moves things along: drains a ready connection or opens one if there is work. */
  void pump() {
    if (removed || !link.started()) {
      dropQueued(counters.droppedUnreachable);
      return;
    }
    if (link.detached()) {
      dropQueued(counters.droppedDetached);
      return;
    }
    if (link.blocks(id)) {
      dropQueued(counters.droppedUnreachable);
      return;
    }
    if (connected) {
      drain();
    } else if (channel == null && retry == null && !queue.isEmpty()) {
      connect();
    }
    // Otherwise a connection or a retry is under way; it pumps when it completes.
  }

  private void drain() {
    Channel ch = channel;
    int written = 0;
    Message m;
    while (written < MAX_BATCH && ch.isWritable() && (m = queue.poll()) != null) {
      ByteBuffer frame;
      try {
        frame = codec.encodeToBuffer(m);
      } catch (CodecException e) {
        counters.droppedTooLarge.increment();
        logOnce.log(
            "too-large:" + id,
            System.Logger.Level.WARNING,
            "member {0}: dropping a message to member {1}: {2} (logged once)",
            hex(config.memberId()),
            hex(id),
            e.getMessage());
        continue;
      }
      counters.sentBytes(id, frame.remaining());
      ch.write(Unpooled.wrappedBuffer(frame), ch.voidPromise());
      counters.sent.increment();
      written++;
    }
    if (written > 0) {
      ch.flush();
    }
    if (!queue.isEmpty() && ch.isWritable() && wakeQueued.compareAndSet(false, true)) {
      // More than one batch: let other connections on this loop have a turn first.
      onLoop(
          () -> {
            wakeQueued.set(false);
            pump();
          });
    }
  }

  private void connect() {
    InetSocketAddress address = directory.addressOf(id);
    if (address == null) {
      dropQueued(counters.droppedUnreachable);
      return;
    }
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 << 10, 1 << 20))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (config.tls() != null) {
                      // The Hello waits in the SslHandler until the TLS handshake is done; the
                      // peer's host is what its certificate is checked against.
                      ch.pipeline()
                          .addLast(
                              config
                                  .tls()
                                  .client()
                                  .newHandler(
                                      ch.alloc(), address.getHostString(), address.getPort()));
                    }
                    ch.pipeline()
                        .addLast(new FrameDecoder(codec), new OutboundHandler(PeerConnection.this));
                  }
                });
    ChannelFuture connecting = bootstrap.connect(address);
    Channel ch = connecting.channel();
    channel = ch;
    connecting.addListener(
        (ChannelFutureListener)
            f -> {
              if (!f.isSuccess()) {
                logOnce.log(
                    "out:" + id + ":connect",
                    System.Logger.Level.INFO,
                    "member {0} cannot connect to member {1} at {2}: {3} (retrying with"
                        + " backoff; logged once until connected)",
                    hex(config.memberId()),
                    hex(id),
                    address,
                    f.cause());
                onClosed(ch);
                return;
              }
              ch.writeAndFlush(
                  Unpooled.wrappedBuffer(
                      codec.encodeHello(
                          new Handshake.Hello(
                              config.clusterId(), config.memberId(), id, advertised))));
              ch.eventLoop()
                  .schedule(
                      () -> {
                        if (channel == ch && !connected) {
                          logOnce.log(
                              "out:" + id + ":handshake-timeout",
                              System.Logger.Level.WARNING,
                              "member {0}: no handshake answer from member {1}",
                              hex(config.memberId()),
                              hex(id));
                          ch.close();
                        }
                      },
                      config.connectTimeout().toNanos(),
                      TimeUnit.NANOSECONDS);
            });
  }

  /** The peer answered the Hello on {@code ch}. */
  void onReply(Channel ch, Handshake.Reply reply) {
    if (ch != channel || connected) {
      ch.close();
      return;
    }
    if (reply.accepted()) {
      connected = true;
      backoffNanos = 0;
      logOnce.forget("out:" + id + ":");
      LOG.log(
          System.Logger.Level.INFO,
          "member {0} connected to member {1} at {2}",
          hex(config.memberId()),
          hex(id),
          ch.remoteAddress());
      pump();
      return;
    }
    if (reply.status() == Handshake.Status.REMOVED) {
      removedNotice.accept(reply.detail());
    }
    logOnce.log(
        "out:" + id + ":refused:" + reply.status(),
        reply.status() == Handshake.Status.DETACHED
            ? System.Logger.Level.DEBUG
            : System.Logger.Level.WARNING,
        "member {0} was refused by member {1} at {2}: {3}: {4} (logged once)",
        hex(config.memberId()),
        hex(id),
        ch.remoteAddress(),
        reply.status(),
        reply.detail());
    ch.close();
  }

  /**
   * The peer sent something other than a Reply: a protocol error, logged once; the caller closes
   * the connection.
   */
  void onUnexpected(Object frame) {
    logOnce.log(
        "out:" + id + ":unexpected",
        System.Logger.Level.WARNING,
        "member {0}: member {1} sent an unexpected frame {2}",
        hex(config.memberId()),
        hex(id),
        frame);
  }

  /**
   * The connection failed with {@code cause} (unwrapped from the decoder's exception), logged once;
   * the caller closes the connection.
   */
  void onError(Throwable cause) {
    logOnce.log(
        "out:" + id + ":error:" + cause.getClass().getName(),
        System.Logger.Level.INFO,
        "member {0}: connection to member {1} failed: {2}",
        hex(config.memberId()),
        hex(id),
        cause);
  }

  /** {@code ch}'s socket buffer went below or above its water mark. */
  void onWritabilityChanged(Channel ch) {
    if (ch.isWritable() && ch == channel) {
      pump();
    }
  }

  /** The connection {@code ch} ended (or never opened): drop its backlog, retry if more comes. */
  void onClosed(Channel ch) {
    if (ch != channel) {
      return;
    }
    if (connected) {
      LOG.log(
          System.Logger.Level.INFO,
          "member {0} lost its connection to member {1}",
          hex(config.memberId()),
          hex(id));
    }
    channel = null;
    connected = false;
    // What waited for this connection is dropped rather than sent late in a burst: Raft
    // retransmits, and by the next attempt newer messages will have been queued.
    dropQueued(counters.droppedUnreachable);
    if (removed || !link.started() || link.detached() || link.blocks(id)) {
      return;
    }
    long initial = config.initialBackoff().toNanos();
    backoffNanos =
        backoffNanos == 0 ? initial : Math.min(config.maxBackoff().toNanos(), 2 * backoffNanos);
    retry =
        loop.schedule(
            () -> {
              retry = null;
              pump();
            },
            backoffNanos,
            TimeUnit.NANOSECONDS);
  }

  /**
   * Closes the connection, cancels any retry, and drops what is queued (counted in {@code
   * droppedAs}).
   */
  void disconnect(LongAdder droppedAs) {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    Channel ch = channel;
    channel = null;
    connected = false;
    backoffNanos = 0;
    if (ch != null) {
      ch.close();
    }
    dropQueued(droppedAs);
  }

  /** Closes the connection and cancels any retry, then connects again if there is work. */
  void reconnect() {
    Channel ch = channel;
    channel = null;
    connected = false;
    if (ch != null) {
      ch.close();
    }
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    pump();
  }

  /** Ends this connection for good (its member left): disconnects and never connects again. */
  void remove() {
    removed = true;
    disconnect(counters.droppedUnreachable);
  }

  private void dropQueued(LongAdder droppedAs) {
    droppedAs.add(queue.clear());
  }
}

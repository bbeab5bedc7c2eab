package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

import dev.raftkv.raft.Message;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The listener's side of one peer connection, in its channel's pipeline behind a {@link
 * FrameDecoder}. First frame: a {@link ClusterInfo.Query} is answered and the connection closed; a
 * {@link Handshake.Hello} is judged by {@link Admission}, answered, and the connection closed
 * unless accepted; anything else, or no Hello within the connect timeout, closes it. After an
 * accepted Hello, Raft messages from the proven member to this member are handed to {@link
 * Delivery}, and dropped (counted) while detached, not started or blocking that member, or if
 * misaddressed.
 *
 * <p>A refusal is logged once per sender and reason. An accepted member the peer map does not name
 * has its address learned in the {@link PeerDirectory} (logged once at INFO), and if it says it
 * moved, its outbound connection is told to reconnect.
 *
 * <p>One instance per connection, run on that channel's event loop only (not sharable); never
 * blocks, and a failure of the connection is logged once and closes it rather than propagates.
 */
final class InboundHandler extends SimpleChannelInboundHandler<Object> {

  // All the transport's parts log under its name, which is what operators configure.
  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  /** How {@link #learn} logs a member it accepted but does not list; a prefix. */
  private static final String ACCEPTED_UNKNOWN =
      "member {0} accepted member {1} of its cluster, which its peer map does not name yet (its"
          + " view of the membership is behind); ";

  private final TcpTransportConfig config;
  private final long memberId;
  private final MessageCodec codec;
  private final Counters counters;
  private final LogOnce logOnce;
  private final PeerDirectory directory;
  private final LinkState link;
  private final InboundChannels inbound;
  private final Delivery delivery;
  private final Supplier<byte[]> clusterInfo;
  private final LongConsumer peerMoved;

  private long peerId; // 0 until the handshake is accepted
  private long countedBytes; // of the connection's decoder's bytes, those counted for the peer
  private FrameDecoder decoder; // the connection's, found at the first message

  /**
   * The handler of one accepted connection.
   *
   * @param shared the transport's settings, codec, counters, log, directory and link state
   * @param inbound where the connection is registered while open
   * @param delivery takes the messages of an accepted connection
   * @param clusterInfo what to answer a {@link ClusterInfo.Query} with, besides the cluster id
   * @param peerMoved told the id of an unlisted member whose Hello gave a new address
   */
  InboundHandler(
      Shared shared,
      InboundChannels inbound,
      Delivery delivery,
      Supplier<byte[]> clusterInfo,
      LongConsumer peerMoved) {
    this.config = shared.config();
    this.memberId = config.memberId();
    this.codec = shared.codec();
    this.counters = shared.counters();
    this.logOnce = shared.log();
    this.directory = shared.directory();
    this.link = shared.link();
    this.inbound = inbound;
    this.delivery = delivery;
    this.clusterInfo = clusterInfo;
    this.peerMoved = peerMoved;
  }

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
        byte[] answer =
            codec.encodeClusterInfo(new ClusterInfo(config.clusterId(), clusterInfo.get()));
        ctx.writeAndFlush(Unpooled.wrappedBuffer(answer)).addListener(ChannelFutureListener.CLOSE);
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
        inbound.accepted(ctx.channel(), peerId);
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
      if (decoder == null) {
        decoder = ctx.pipeline().get(FrameDecoder.class);
      }
      if (decoder != null) {
        long decoded = decoder.decodedBytes();
        counters.receivedBytes(peerId, decoded - countedBytes);
        countedBytes = decoded;
      }
      delivery.deliver(m);
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
   * The {@link Admission} verdict on {@code hello}; logs a refusal (once per sender and reason) and
   * learns the address of an accepted member the peer map does not name.
   */
  private Admission.Verdict judge(Handshake.Hello hello, SocketAddress remote) {
    Admission.Verdict verdict =
        Admission.judge(
            hello,
            new Admission.Facts(
                config.clusterId(),
                memberId,
                link.detached(),
                directory.isRemoved(hello.from()),
                directory.lists(hello.from())));
    switch (verdict.reason()) {
      case WRONG_CLUSTER ->
          logOnce.log(
              "in:cluster:" + hello.clusterId() + ":" + hello.from(),
              System.Logger.Level.WARNING,
              "member {0} refused a peer connection from {1} claiming member {2} of cluster {3}:"
                  + " this is cluster {4} (logged once)",
              hex(memberId),
              remote,
              hex(hello.from()),
              hex(hello.clusterId()),
              hex(config.clusterId()));
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
              "member {0} refused a peer connection from {1} claiming its own member id (logged"
                  + " once)",
              hex(memberId),
              remote);
      case WRONG_MEMBER ->
          logOnce.log(
              "in:wrong-member:" + hello.from(),
              System.Logger.Level.WARNING,
              "member {0} refused member {1}, which meant to reach member {2} (stale address map?)"
                  + " (logged once)",
              hex(memberId),
              hex(hello.from()),
              hex(hello.to()));
      case UNLISTED -> learn(hello, remote);
      case LISTED, DETACHED -> {}
    }
    return verdict;
  }

  /**
   * Remembers where an accepted member outside the peer map listens, so answers reach it; logs the
   * first acceptance of each such member at INFO.
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
      peerMoved.accept(from);
    }
  }

  private static String host(ChannelHandlerContext ctx) {
    SocketAddress a = ctx.channel().remoteAddress();
    return a instanceof InetSocketAddress i ? i.getHostString() : String.valueOf(a);
  }
}

package dev.raftkv.server.gateway;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateHandler;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Serves gRPC and the JSON gateway on one client port, as etcd's {@code cmux} does. On a plaintext
 * port the first bytes of a connection decide; on an {@code https://} port, ALPN (see {@link
 * #alpn}). HTTP/2's connection preface ({@code PRI * HTTP/2.0…}) hands the connection to gRPC's own
 * plaintext negotiation, untouched and at no further cost; anything else is an HTTP/1 request and
 * the connection becomes the gateway's ({@link JsonGateway}).
 *
 * <p>gRPC's server does not know about HTTP/1 connections (they never finish its handshake), so it
 * does not close them when it stops: {@link #closeConnections} does.
 */
public final class ClientPortNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  /** How long a new connection may stay silent before it is closed (gRPC's handshake timeout). */
  static final Duration FIRST_BYTES_TIMEOUT = Duration.ofMinutes(2);

  /** An HTTP/1 connection with no request under way is closed after this long without traffic. */
  static final Duration HTTP_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** The ALPN name of HTTP/1.1, which an https client port prefers (see {@link #alpn}). */
  static final String HTTP_1_1 = "http/1.1";

  private final InternalProtocolNegotiator.ProtocolNegotiator grpc;
  private final boolean tls;
  private final GatewayRoutes routes;
  private final io.grpc.Channel services;
  private final int maxRequestBytes;
  private final Member member;
  private final Set<Channel> httpConnections = ConcurrentHashMap.newKeySet();

  /**
   * A negotiator for an {@code https://} client port (with {@code tls} non-null) or a plaintext
   * one. Over TLS, ALPN decides: {@code tls} must offer HTTP/1.1 before HTTP/2 ({@link #alpn}), so
   * a client that speaks both (curl, browsers, Python's requests) is served the JSON gateway over
   * HTTP/1.1, and a gRPC client, which offers only {@code h2}, gets gRPC. A client that sends no
   * ALPN is served HTTP/1.1 too (gRPC requires {@code h2}).
   *
   * @param tls the https port's context, offering {@link #alpn}; null for a plaintext port
   * @param routes the gateway's routes
   * @param services where the gateway's calls go (an in-process channel to the etcd services)
   * @param maxRequestBytes the largest HTTP request body taken (larger: 413)
   * @param member what {@code /metrics}, {@code /health} and {@code /version} answer from
   */
  public ClientPortNegotiator(
      io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls,
      GatewayRoutes routes,
      io.grpc.Channel services,
      int maxRequestBytes,
      Member member) {
    this.tls = tls != null;
    this.grpc =
        tls == null
            ? InternalProtocolNegotiators.serverPlaintext()
            : InternalProtocolNegotiators.serverTls(tls);
    this.routes = routes;
    this.services = services;
    this.maxRequestBytes = maxRequestBytes;
    this.member = member;
  }

  /** What the client port's plain HTTP paths answer from, as etcd's client URL serves them. */
  public interface Member {
    /** Writes the member's metrics in Prometheus' text format ({@code GET /metrics}). */
    void writeMetrics(java.io.OutputStream out) throws java.io.IOException;

    /** Whether the member is healthy ({@code GET /health}: a leader known, no alarm raised). */
    boolean healthy();

    /** The etcd version reported ({@code GET /version}), e.g. 3.5.0. */
    String etcdVersion();
  }

  /** Server credentials that negotiate with this (for {@code NettyServerBuilder.forAddress}). */
  public ServerCredentials credentials() {
    return InternalNettyServerCredentials.create(this);
  }

  /** Closes every HTTP/1 connection; call it when the port's gRPC server stops. */
  public void closeConnections() {
    httpConnections.forEach(Channel::close);
  }

  @Override
  public AsciiString scheme() {
    return grpc.scheme();
  }

  /**
   * The ALPN configuration of an https client port: HTTP/1.1 first, then gRPC's {@code h2}; the
   * server picks the first of its own list that the client offers.
   */
  public static io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig alpn() {
    return new io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig(
        io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
        io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior
            .NO_ADVERTISE,
        io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig
            .SelectedListenerFailureBehavior.ACCEPT,
        HTTP_1_1,
        "h2");
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return tls ? new TlsInstaller(grpc.newHandler(grpcHandler)) : new Sniffer(grpcHandler);
  }

  /** Makes {@code ctx}'s connection the gateway's: HTTP/1 handlers after {@code after}. */
  private void installGateway(ChannelHandlerContext ctx, String after) {
    httpConnections.add(ctx.channel());
    ctx.channel().closeFuture().addListener(f -> httpConnections.remove(ctx.channel()));
    ChannelPipeline p = ctx.pipeline();
    p.addAfter(after, "gateway-http", new HttpServerCodec());
    p.addAfter("gateway-http", "gateway-body", new HttpObjectAggregator(maxRequestBytes));
    p.addAfter(
        "gateway-body",
        "gateway-idle",
        new IdleStateHandler(0, 0, HTTP_IDLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    p.addAfter("gateway-idle", "gateway", new JsonGateway(routes, services, member));
  }

  /**
   * Puts gRPC's TLS negotiation after itself; once that has put its {@code SslHandler} in (when the
   * connection is active and gRPC's negotiation begins), an {@link AlpnRouter} goes right after the
   * {@code SslHandler}, before the handshake can end, and this steps aside.
   */
  private final class TlsInstaller extends ChannelInboundHandlerAdapter {
    private final ChannelHandler grpcTls;
    private boolean routed;

    TlsInstaller(ChannelHandler grpcTls) {
      this.grpcTls = grpcTls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addAfter(ctx.name(), null, grpcTls);
      maybeRoute(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.fireChannelActive();
      maybeRoute(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      ctx.fireUserEventTriggered(evt);
      maybeRoute(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.fireChannelRead(msg);
      maybeRoute(ctx);
    }

    private void maybeRoute(ChannelHandlerContext ctx) {
      ChannelPipeline p = ctx.pipeline();
      ChannelHandlerContext ssl =
          p.context(io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler.class);
      if (routed || ssl == null) {
        return;
      }
      routed = true;
      p.addAfter(ssl.name(), null, new AlpnRouter());
      p.remove(this);
    }
  }

  /**
   * Sees the TLS handshake's end before gRPC does: for HTTP/1.1 (or no ALPN) it keeps the event
   * from gRPC's negotiation, which so never starts, and puts the gateway in front of it; for {@code
   * h2} it steps aside and gRPC goes on.
   */
  private final class AlpnRouter extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent done
          && done.isSuccess()) {
        ChannelPipeline p = ctx.pipeline();
        String protocol =
            p.get(io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler.class).applicationProtocol();
        if (protocol == null || protocol.equals(HTTP_1_1)) {
          installGateway(ctx, ctx.name());
          p.remove(this);
          return;
        }
        p.remove(this);
      }
      super.userEventTriggered(ctx, evt);
    }
  }

  @Override
  public void close() {
    grpc.close();
  }

  /** Holds a connection's first bytes (and gRPC's negotiation event) until they decide. */
  private final class Sniffer extends ChannelInboundHandlerAdapter {
    private final GrpcHttp2ConnectionHandler grpcHandler;
    private final List<Object> heldEvents = new ArrayList<>();
    private ByteBuf seen = Unpooled.EMPTY_BUFFER;
    private ScheduledFuture<?> silence;

    Sniffer(GrpcHttp2ConnectionHandler grpcHandler) {
      this.grpcHandler = grpcHandler;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      silence =
          ctx.executor()
              .schedule(
                  () -> {
                    ctx.close();
                  },
                  FIRST_BYTES_TIMEOUT.toMillis(),
                  TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      silence.cancel(false);
      seen.release();
      seen = Unpooled.EMPTY_BUFFER;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      heldEvents.add(evt); // gRPC's negotiation event: passed on only if this is gRPC
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf in)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      seen = seen.isReadable() ? Unpooled.wrappedBuffer(seen, in) : in;
      if (!seen.isReadable()) {
        return;
      }
      if (seen.readableBytes() < 2 && seen.getByte(seen.readerIndex()) == 'P') {
        return; // "PRI" (HTTP/2) or "POST"/"PUT" (HTTP/1): one more byte decides
      }
      ByteBuf first = seen;
      seen = Unpooled.EMPTY_BUFFER;
      ChannelPipeline p = ctx.pipeline();
      if (isHttp2Preface(first)) {
        p.addAfter(ctx.name(), null, grpc.newHandler(grpcHandler));
        heldEvents.forEach(ctx::fireUserEventTriggered);
      } else {
        installGateway(ctx, ctx.name());
      }
      heldEvents.clear();
      ctx.fireChannelRead(first);
      p.remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      silence.cancel(false);
      super.channelInactive(ctx);
    }

    private static boolean isHttp2Preface(ByteBuf b) {
      int i = b.readerIndex();
      return b.getByte(i) == 'P' && b.getByte(i + 1) == 'R';
    }
  }
}

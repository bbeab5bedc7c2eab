package dev.raftkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.server.dashboard.Dashboard;
import dev.raftkv.server.dashboard.EventStream;
import dev.raftkv.server.dashboard.StaticFiles;
import dev.raftkv.server.metrics.ServerMetrics;
import dev.raftkv.server.tls.ClientCertificates;
import dev.raftkv.server.tls.ServerTls;
import dev.raftkv.transport.TcpTransport;
import io.grpc.StatusRuntimeException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The admin HTTP endpoint, on Netty: {@code GET /health} (200 when a leader is known and no alarm
 * is raised, as etcd's; 503 otherwise), {@code GET /metrics} (the member's Prometheus metrics, see
 * {@link ServerMetrics}), {@code GET /status} (role, term, leader, commit and applied index,
 * whether detached and the blocked peers as JSON: the seed 002 harness's questions), {@code POST
 * /detach} and {@code POST /attach} (the seed 000 partition switch), {@code POST
 * /block?peers=ID,ID} and {@code POST /unblock[?peers=ID,ID]} (per-peer block lists, see {@link
 * TcpTransport#setBlocked}; ids in hex as {@code /status} prints them; {@code /unblock} without
 * peers clears the list). Both answer {@code {"blocked":[...]}} with the list after the change, or
 * 400 on a malformed id.
 *
 * <p>It also serves the live dashboard: {@code GET /} (the page, with its script, style and uPlot
 * from the class path, see {@link StaticFiles}) and {@code GET /events} (a stream of server-sent
 * snapshots, one a second, see {@link EventStream}). The page's detach and attach buttons POST to
 * this endpoint like any other caller, under the same rule.
 *
 * <p>No client can starve it: connections cost no thread (one event loop serves them all, and every
 * answer is computed without blocking), a request must arrive whole within {@link #REQUEST_TIMEOUT}
 * of its first byte, and a connection idle for {@link #IDLE_TIMEOUT} is closed. So {@code /health}
 * answers at once with a thousand idle connections and dozens of half-sent requests open. An event
 * stream is written to every second, so it is never idle while its reader reads; its request
 * arrived whole, so the request deadline no longer runs; a reader that stops reading is skipped
 * until the idle timeout closes its connection. Closing the endpoint ends every stream cleanly.
 *
 * <p>It listens on {@link ServerConfig#adminUrl()} (loopback by default, see {@code raftkv server
 * --listen-admin-urls}); an {@code https://} URL is served with the client side's certificate,
 * asking for a client certificate when a CA is trusted but not requiring one, so {@code /health}
 * and {@code /status} stay open. The POSTs obey {@link AdminAccess}: the root user's token in the
 * {@code Authorization} header (or a client certificate naming root) once auth is enabled; a caller
 * on loopback or with a verified client certificate while it is not.
 */
final class AdminServer implements AutoCloseable {
  /** How long a request may take to arrive, from its first byte to its last. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** How long a connection may stay open with nothing read or written. */
  static final Duration IDLE_TIMEOUT = Duration.ofMinutes(1);

  /**
   * Why a change is refused when a browser sends it from a page of another origin: a web page open
   * on this machine must not detach a member because the caller is on loopback. Browsers send
   * {@code Origin} with every cross-origin POST; the dashboard's own buttons send the endpoint's
   * origin; {@code curl} and {@code raftkv admin} send none.
   */
  static final String CROSS_ORIGIN =
      "admin changes are refused from a web page of another origin (%s): use the dashboard served"
          + " by this endpoint, raftkv admin or curl";

  /** The largest request body taken (the admin calls have none). */
  static final int MAX_REQUEST_BYTES = 64 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final EventLoopGroup group;
  private final Channel listener;
  private final EventStream events;
  private final String url;

  private AdminServer(EventLoopGroup group, Channel listener, EventStream events, boolean https) {
    this.group = group;
    this.listener = listener;
    this.events = events;
    InetSocketAddress a = (InetSocketAddress) listener.localAddress();
    this.url = (https ? "https" : "http") + "://" + a.getHostString() + ":" + a.getPort();
  }

  /** What the endpoint answers from: the member's parts. */
  private record Member(
      ServerConfig config,
      RaftRuntime runtime,
      TcpTransport transport,
      AdminAccess access,
      BooleanSupplier healthy,
      ServerMetrics metrics,
      StaticFiles files,
      EventStream events) {}

  /**
   * Starts the endpoint on {@code config}'s admin URL; returns once it listens.
   *
   * @param tls the client side's TLS material when the admin URL is {@code https://}, else null
   * @param access who may make the changes
   * @param healthy what {@code /health} says (etcd's rule: a leader known, no alarm raised)
   * @param metrics what {@code /metrics} serves
   * @param dashboard what the dashboard's {@code /events} stream sends
   * @param observeEvery how often the dashboard looks at the term and leader
   * @throws BindException naming the flag if the address is taken
   */
  static AdminServer start(
      ServerConfig config,
      RaftRuntime runtime,
      TcpTransport transport,
      ServerTls tls,
      AdminAccess access,
      BooleanSupplier healthy,
      ServerMetrics metrics,
      Dashboard dashboard,
      Duration observeEvery)
      throws IOException {
    InetSocketAddress at = ServerConfig.address(config.adminUrl());
    StaticFiles files = StaticFiles.load();
    SSLContext ssl = tls == null ? null : tls.jdkServer();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("raftkv-admin", true), NioIoHandler.newFactory());
    EventStream events = EventStream.start(dashboard, group.next(), observeEvery);
    Member member = new Member(config, runtime, transport, access, healthy, metrics, files, events);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (ssl != null) {
                      SSLEngine engine = ssl.createSSLEngine();
                      engine.setUseClientMode(false);
                      SSLParameters p = engine.getSSLParameters();
                      tls.configure(p);
                      engine.setSSLParameters(p);
                      ch.pipeline().addLast(new SslHandler(engine));
                    }
                    ch.pipeline()
                        .addLast(
                            new IdleStateHandler(0, 0, IDLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                            new HttpServerCodec(),
                            new RequestDeadline(),
                            new HttpObjectAggregator(MAX_REQUEST_BYTES),
                            new Handler(member));
                  }
                });
    try {
      Channel listener = bootstrap.bind(at).syncUninterruptibly().channel();
      return new AdminServer(group, listener, events, ssl != null);
    } catch (RuntimeException e) {
      events.close();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      if (e.getCause() instanceof BindException || e instanceof io.netty.channel.ChannelException) {
        throw new BindException("admin address " + at + " is in use (--listen-admin-urls)");
      }
      throw e;
    }
  }

  /**
   * Closes a connection whose request has not arrived whole {@link #REQUEST_TIMEOUT} after its
   * first byte; closes an idle one (no traffic for {@link #IDLE_TIMEOUT}).
   */
  private static final class RequestDeadline extends ChannelDuplexHandler {
    private ScheduledFuture<?> deadline;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest && deadline == null) {
        deadline =
            ctx.executor()
                .schedule(
                    () -> {
                      ctx.close();
                    },
                    REQUEST_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
      }
      if (msg instanceof LastHttpContent && deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      ctx.fireChannelInactive();
    }
  }

  /** Answers the requests of one connection, in order, on its event loop. */
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Member m;

    Handler(Member m) {
      this.m = m;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws IOException {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      FullHttpResponse r;
      if (!req.decoderResult().isSuccess()) {
        r = json(HttpResponseStatus.BAD_REQUEST, error("malformed request"));
        keepAlive = false;
      } else {
        r = answer(ctx, req);
        if (r == null) {
          return; // the connection now carries the dashboard's event stream
        }
      }
      HttpUtil.setKeepAlive(r, keepAlive);
      var written = ctx.writeAndFlush(r);
      if (!keepAlive) {
        written.addListener(f -> ctx.close());
      }
    }

    /** The answer to {@code req}; null if the connection became an event stream. */
    private FullHttpResponse answer(ChannelHandlerContext ctx, FullHttpRequest req)
        throws IOException {
      QueryStringDecoder uri = new QueryStringDecoder(req.uri());
      Optional<StaticFiles.File> file = m.files.get(uri.path());
      if (file.isPresent()) {
        FullHttpResponse r =
            response(
                HttpResponseStatus.OK,
                file.get().contentType(),
                Unpooled.wrappedBuffer(file.get().body()));
        // No other site may frame the page (and trick a click on its buttons), nor sniff types.
        r.headers()
            .set("X-Frame-Options", "DENY")
            .set("Content-Security-Policy", "frame-ancestors 'none'")
            .set("X-Content-Type-Options", "nosniff");
        return r;
      }
      switch (uri.path()) {
        case "/events" -> {
          if (!req.method().equals(HttpMethod.GET)) {
            return json(HttpResponseStatus.METHOD_NOT_ALLOWED, error("use GET"));
          }
          m.events.open(ctx);
          return null;
        }
        case "/health" -> {
          boolean ok = m.healthy.getAsBoolean();
          return json(
              ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              JSON.createObjectNode().put("health", String.valueOf(ok)));
        }
        case "/metrics" -> {
          ByteBuf body = Unpooled.buffer();
          try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            m.metrics.writeTo(out);
          }
          return response(HttpResponseStatus.OK, ServerMetrics.CONTENT_TYPE, body);
        }
        case "/status" -> {
          Status s = m.runtime.status();
          ObjectNode body =
              JSON.createObjectNode()
                  .put("name", m.config.name())
                  .put("id", Long.toHexString(s.id()))
                  .put("role", s.role().name().toLowerCase(Locale.ROOT))
                  .put("term", s.term())
                  .put("leader", s.leader() == 0 ? "" : Long.toHexString(s.leader()))
                  .put("commit", s.commit())
                  .put("applied", m.runtime.appliedIndex())
                  .put("detached", m.transport.isDetached());
          body.set("blocked", blocked(m.transport));
          return json(HttpResponseStatus.OK, body);
        }
        case "/block", "/unblock" -> {
          FullHttpResponse refused = refuse(ctx, req);
          if (refused != null) {
            return refused;
          }
          Set<Long> peers;
          try {
            peers = peers(uri);
          } catch (IllegalArgumentException e) {
            return json(HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
          }
          Set<Long> now = new HashSet<>(m.transport.blocked());
          if (uri.path().equals("/block")) {
            now.addAll(peers);
          } else if (peers.isEmpty()) {
            now.clear();
          } else {
            now.removeAll(peers);
          }
          m.transport.setBlocked(now);
          ObjectNode body = JSON.createObjectNode();
          body.set("blocked", blocked(m.transport));
          return json(HttpResponseStatus.OK, body);
        }
        case "/detach", "/attach" -> {
          FullHttpResponse refused = refuse(ctx, req);
          if (refused != null) {
            return refused;
          }
          boolean detach = uri.path().equals("/detach");
          if (detach) {
            m.transport.detach();
          } else {
            m.transport.attach();
          }
          return json(HttpResponseStatus.OK, JSON.createObjectNode().put("detached", detach));
        }
        default -> {
          return json(HttpResponseStatus.NOT_FOUND, error("no such path: " + uri.path()));
        }
      }
    }

    /**
     * Null when {@code req} is a POST its sender may make ({@link AdminAccess}); else the answer:
     * 405; 403 when a browser sends it from a page of another origin ({@link #CROSS_ORIGIN}); 401
     * without valid credentials and 403 without the root role once auth is enabled; 403 from
     * another host while it is not.
     */
    private FullHttpResponse refuse(ChannelHandlerContext ctx, FullHttpRequest req) {
      if (!req.method().equals(HttpMethod.POST)) {
        return json(HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST"));
      }
      String origin = req.headers().get(HttpHeaderNames.ORIGIN);
      if (origin != null && !sameOrigin(origin, ctx, req, m.config.adminUrl().getHost())) {
        return json(HttpResponseStatus.FORBIDDEN, error(String.format(CROSS_ORIGIN, origin)));
      }
      Optional<X509Certificate> certificate = certificate(ctx);
      try {
        m.access.check(
            ctx.channel().remoteAddress(),
            req.headers().get(HttpHeaderNames.AUTHORIZATION),
            certificate.flatMap(ClientCertificates::commonName).orElse(null),
            certificate.isPresent());
      } catch (StatusRuntimeException e) {
        boolean denied = e.getStatus().getCode() == io.grpc.Status.Code.PERMISSION_DENIED;
        return json(
            denied ? HttpResponseStatus.FORBIDDEN : HttpResponseStatus.UNAUTHORIZED,
            error(e.getStatus().getDescription()));
      }
      return null;
    }

    /**
     * Whether {@code origin} is this endpoint as the request addressed it (scheme and Host), under
     * a name of this endpoint: its admin URL's host or a loopback name. A page whose own name was
     * made to resolve to this address (DNS rebinding) sends its own name as Host and is refused.
     */
    private static boolean sameOrigin(
        String origin, ChannelHandlerContext ctx, FullHttpRequest req, String adminHost) {
      String host = req.headers().get(HttpHeaderNames.HOST);
      String scheme = ctx.pipeline().get(SslHandler.class) == null ? "http://" : "https://";
      return host != null
          && origin.equalsIgnoreCase(scheme + host)
          && ownName(hostName(host), adminHost);
    }

    /** The name part of a Host header: without the port, IPv6 brackets kept. */
    static String hostName(String host) {
      int colon = host.lastIndexOf(':');
      return colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
    }

    /** Whether {@code name} names this endpoint: its own host, or loopback. */
    static boolean ownName(String name, String adminHost) {
      String n = name.toLowerCase(Locale.ROOT);
      return n.equals(adminHost == null ? "" : adminHost.toLowerCase(Locale.ROOT))
          || n.equals("localhost")
          || n.startsWith("127.")
          || n.equals("[::1]");
    }

    private static Optional<X509Certificate> certificate(ChannelHandlerContext ctx) {
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      return ssl == null
          ? Optional.empty()
          : ClientCertificates.certificate(ssl.engine().getSession());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a reset connection, a failed handshake: nothing to answer
    }
  }

  /** The blocked peers as a JSON array of hex id strings, ascending. */
  static ArrayNode blocked(TcpTransport transport) {
    ArrayNode out = JSON.createArrayNode();
    transport.blocked().stream().sorted().forEach(id -> out.add(Long.toHexString(id)));
    return out;
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  /**
   * The {@code peers} query parameter as member ids (hex, comma-separated); empty when absent.
   *
   * @throws IllegalArgumentException naming an id that is not hex
   */
  private static Set<Long> peers(QueryStringDecoder uri) {
    Set<Long> out = new HashSet<>();
    for (String param : uri.parameters().getOrDefault("peers", List.of())) {
      for (String id : param.split(",")) {
        if (id.isBlank()) {
          continue;
        }
        try {
          out.add(Long.parseUnsignedLong(id.strip(), 16));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("peers: not a hex member id: " + id.strip(), e);
        }
      }
    }
    return out;
  }

  private static FullHttpResponse json(HttpResponseStatus status, JsonNode json) {
    byte[] body;
    try {
      body = (JSON.writeValueAsString(json) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
    return response(status, "application/json", Unpooled.wrappedBuffer(body));
  }

  private static FullHttpResponse response(HttpResponseStatus status, String type, ByteBuf body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return r;
  }

  String url() {
    return url;
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    events.close();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}

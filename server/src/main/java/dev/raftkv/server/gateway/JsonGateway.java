package dev.raftkv.server.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.raftkv.server.metrics.ServerMetrics;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufOutputStream;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.QueryStringDecoder;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.regex.Pattern;

/**
 * One HTTP/1 connection of the client port: etcd's JSON gateway. A {@code POST} to a route ({@link
 * GatewayRoutes}) becomes a call of that gRPC method on {@code services}, with the request parsed
 * from the body by protobuf's {@code JsonFormat} and the {@code Authorization} header as the call's
 * token ({@link GatewayCall}). What etcd answers otherwise, this answers too: {@code 404 Not Found}
 * for another {@code /v3/} path, {@code 404 page not found} outside it, {@code 405} for another
 * method, {@code 200} with the CORS headers for {@code OPTIONS}, and a bad body as a {@code 400}
 * ({@code 500} for a stream, as etcd) with the parser's message.
 *
 * <p>Besides the gateway it serves etcd's other client-URL paths: {@code /metrics}, {@code /health}
 * ({@code {"health":"true"}}, or 503 and false without a leader or with an alarm) and {@code
 * /version}.
 *
 * <p>Requests on one connection are answered in order, one at a time (HTTP/1.1); a connection
 * closed by its client cancels its call. All of it runs on the connection's event loop.
 */
final class JsonGateway extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The class name a wrapping exception puts before its cause's message. */
  private static final Pattern WRAPPED = Pattern.compile("^([a-z]\\w*\\.)+[A-Z]\\w*: ");

  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final GatewayRoutes routes;
  private final io.grpc.Channel services;
  private final ClientPortNegotiator.Member member;
  private final Queue<FullHttpRequest> waiting = new ArrayDeque<>();
  private GatewayCall<?, ?> current;
  private boolean busy;

  JsonGateway(GatewayRoutes routes, io.grpc.Channel services, ClientPortNegotiator.Member member) {
    super(false); // requests are released once answered
    this.routes = routes;
    this.services = services;
    this.member = member;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (busy) {
      waiting.add(request);
      return;
    }
    serve(ctx, request);
  }

  private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
    busy = true;
    try {
      if (!request.decoderResult().isSuccess()) {
        answer(
            ctx, GatewayResponses.text(HttpResponseStatus.BAD_REQUEST, "400 Bad Request"), false);
        return;
      }
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String path = new QueryStringDecoder(request.uri()).path();
      if (request.method().equals(HttpMethod.OPTIONS)) {
        answer(ctx, GatewayResponses.text(HttpResponseStatus.OK, ""), keepAlive);
        return;
      }
      if (path.equals("/metrics")) {
        answer(ctx, metrics(), keepAlive);
        return;
      }
      if (path.equals("/health")) {
        boolean ok = member.healthy();
        answer(
            ctx,
            GatewayResponses.json(
                ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                "{\"health\":\"" + ok + "\"}"),
            keepAlive);
        return;
      }
      if (path.equals("/version")) {
        String v = member.etcdVersion();
        String cluster = v.substring(0, v.lastIndexOf('.')) + ".0";
        answer(
            ctx,
            GatewayResponses.json(
                HttpResponseStatus.OK,
                "{\"etcdserver\":\"" + v + "\",\"etcdcluster\":\"" + cluster + "\"}"),
            keepAlive);
        return;
      }
      if (!GatewayRoutes.isGatewayPath(path)) {
        answer(
            ctx,
            GatewayResponses.text(HttpResponseStatus.NOT_FOUND, "404 page not found"),
            keepAlive);
        return;
      }
      MethodDescriptor<?, ?> method = routes.find(path).orElse(null);
      if (method == null) {
        answer(ctx, GatewayResponses.text(HttpResponseStatus.NOT_FOUND, "Not Found"), keepAlive);
        return;
      }
      if (!request.method().equals(HttpMethod.POST)) {
        answer(
            ctx,
            GatewayResponses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed"),
            keepAlive);
        return;
      }
      Metadata headers = new Metadata();
      String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
      if (authorization != null) {
        headers.put(AUTHORIZATION, authorization);
      }
      String body = request.content().toString(StandardCharsets.UTF_8);
      start(ctx, method, body, headers, keepAlive);
    } finally {
      request.release();
    }
  }

  private <Q, A> void start(
      ChannelHandlerContext ctx,
      MethodDescriptor<Q, A> method,
      String body,
      Metadata headers,
      boolean keepAlive) {
    boolean clientStreams = !method.getType().clientSendsOneMessage();
    List<Q> requests;
    try {
      requests = parse(method, body, clientStreams);
    } catch (IOException | RuntimeException e) {
      // etcd's gateway: a bad body is InvalidArgument, or Unknown for a client stream
      Status status =
          (clientStreams ? Status.UNKNOWN : Status.INVALID_ARGUMENT)
              .withDescription(e.getMessage());
      answer(ctx, GatewayErrors.response(status), keepAlive);
      return;
    }
    current =
        GatewayCall.start(
            services,
            method,
            requests,
            headers,
            ctx,
            keepAlive,
            () -> ctx.executor().execute(() -> next(ctx)));
  }

  /** Why a body could not be parsed, without the wrapped exceptions' class names. */
  static String reason(Exception e) {
    String m = String.valueOf(e.getMessage());
    return WRAPPED.matcher(m).replaceFirst("");
  }

  /**
   * The requests in {@code body}: one (an empty body is the empty request), or for a client stream
   * every JSON value in it, one after another (none for an empty body).
   */
  @SuppressWarnings("unchecked") // the prototype is the method's request type, Q
  private static <Q> List<Q> parse(MethodDescriptor<Q, ?> method, String body, boolean stream)
      throws IOException {
    Message prototype =
        (Message)
            ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller())
                .getMessagePrototype();
    List<Q> out = new ArrayList<>();
    if (!stream) {
      out.add((Q) parseOne(prototype, body.isBlank() ? "{}" : body));
      return out;
    }
    try (MappingIterator<JsonNode> values = MAPPER.readerFor(JsonNode.class).readValues(body)) {
      while (values.hasNextValue()) {
        out.add((Q) parseOne(prototype, values.nextValue().toString()));
      }
    } catch (JsonProcessingException e) {
      throw new IOException(e.getOriginalMessage(), e);
    }
    return out;
  }

  private static Message parseOne(Message prototype, String json)
      throws InvalidProtocolBufferException {
    Message.Builder b = prototype.newBuilderForType();
    PARSER.merge(json, b);
    return b.build();
  }

  /** The member's metrics, as etcd serves them on its client URL. */
  private FullHttpResponse metrics() {
    ByteBuf body = Unpooled.buffer();
    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
      member.writeMetrics(out);
    } catch (IOException | RuntimeException e) {
      body.release();
      return GatewayResponses.text(
          HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot write the metrics: " + e);
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, ServerMetrics.CONTENT_TYPE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return r;
  }

  private void answer(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
    GatewayResponses.keepAlive(r, keepAlive);
    ctx.writeAndFlush(r)
        .addListener(
            f -> {
              if (!keepAlive || !f.isSuccess()) {
                ctx.close();
              }
              next(ctx);
            });
  }

  /** The response under way is written: serve the next request that came meanwhile. */
  private void next(ChannelHandlerContext ctx) {
    current = null;
    busy = false;
    FullHttpRequest r = waiting.poll();
    if (r != null) {
      serve(ctx, r);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && !busy) {
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (current != null) {
      current.cancel();
    }
    waiting.forEach(FullHttpRequest::release);
    waiting.clear();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a reset connection or a malformed request: nothing to answer on
  }
}

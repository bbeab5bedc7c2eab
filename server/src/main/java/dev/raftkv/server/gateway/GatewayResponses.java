package dev.raftkv.server.gateway;

import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaders;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMessage;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The gateway's HTTP responses, with the headers etcd's gateway sends. */
final class GatewayResponses {
  /** The header grpc-gateway copies the call's content type into. */
  static final String GRPC_CONTENT_TYPE = "Grpc-Metadata-Content-Type";

  private GatewayResponses() {}

  /** A complete JSON response. */
  static FullHttpResponse json(HttpResponseStatus status, String json) {
    return full(status, HttpHeaderValues.APPLICATION_JSON.toString(), json);
  }

  /** A complete plain-text response (Go's {@code http.Error}: the text and a newline). */
  static FullHttpResponse text(HttpResponseStatus status, String text) {
    FullHttpResponse r = full(status, "text/plain; charset=utf-8", text + "\n");
    r.headers().set("X-Content-Type-Options", "nosniff");
    return r;
  }

  /** etcd's CORS headers (it allows every origin by default, {@code --cors '*'}). */
  static void cors(HttpHeaders h) {
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "accept, content-type, authorization")
        .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST, GET, OPTIONS, PUT, DELETE")
        .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
  }

  /** Marks {@code r} for a connection that stays open or closes after it. */
  static void keepAlive(HttpMessage r, boolean keepAlive) {
    HttpUtil.setKeepAlive(r, keepAlive);
  }

  private static FullHttpResponse full(HttpResponseStatus status, String type, String body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    cors(r.headers());
    return r;
  }
}

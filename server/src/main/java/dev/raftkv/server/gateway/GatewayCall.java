package dev.raftkv.server.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One gateway request as one gRPC call, and its answer as the HTTP response etcd's gateway gives:
 *
 * <ul>
 *   <li>a unary method: {@code 200} with the response's JSON, or the error as {@link
 *       GatewayErrors#body};
 *   <li>a streaming method (watch, keep-alive, snapshot, observe): {@code 200}, then one {@code
 *       {"result":…}} line per message as it comes (chunked), an error as one {@code {"error":…}}
 *       line, and the end of the response when the call ends. Every request in the body was sent,
 *       then the call's sending side closed, as etcd's gateway does; a watch goes on until the
 *       client disconnects ({@link #cancel}).
 * </ul>
 *
 * <p>The call's callbacks come one at a time from gRPC; writes go to the Netty channel (which
 * orders them on its event loop). A streamed message is asked for only after the previous one was
 * written, so a slow reader holds the stream back instead of filling memory.
 */
final class GatewayCall<Q, A> extends ClientCall.Listener<A> {
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private final ChannelHandlerContext ctx;
  private final ClientCall<Q, A> call;
  private final boolean streamed;
  private final boolean keepAlive;
  private final Runnable done;
  private A response;
  private boolean headersSent;

  private GatewayCall(
      ChannelHandlerContext ctx,
      ClientCall<Q, A> call,
      boolean streamed,
      boolean keepAlive,
      Runnable done) {
    this.ctx = ctx;
    this.call = call;
    this.streamed = streamed;
    this.keepAlive = keepAlive;
    this.done = done;
  }

  /**
   * Starts the call: sends {@code requests}, closes the sending side, and answers on {@code ctx}.
   *
   * @param channel where the services are
   * @param headers the call's metadata (the caller's token)
   * @param keepAlive whether the connection stays open after the response
   * @param done run once the response has been written in full (or the call was cancelled)
   */
  static <Q, A> GatewayCall<Q, A> start(
      io.grpc.Channel channel,
      MethodDescriptor<Q, A> method,
      List<Q> requests,
      Metadata headers,
      ChannelHandlerContext ctx,
      boolean keepAlive,
      Runnable done) {
    ClientCall<Q, A> call = channel.newCall(method, CallOptions.DEFAULT);
    GatewayCall<Q, A> gc =
        new GatewayCall<>(
            ctx, call, method.getType() != MethodDescriptor.MethodType.UNARY, keepAlive, done);
    call.start(gc, headers);
    call.request(gc.streamed ? 1 : 2);
    requests.forEach(call::sendMessage);
    call.halfClose();
    return gc;
  }

  /** Cancels the call: its client went away. */
  void cancel() {
    call.cancel("the HTTP client closed its connection", null);
  }

  @Override
  public void onMessage(A message) {
    if (!streamed) {
      response = message;
      return;
    }
    String line;
    try {
      line = "{\"result\":" + JSON.print((MessageOrBuilder) message) + "}\n";
    } catch (InvalidProtocolBufferException e) {
      call.cancel("cannot print a response as JSON", e);
      return;
    }
    sendHeadersOnce();
    ctx.writeAndFlush(new DefaultHttpContent(utf8(line)))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                call.request(1);
              } else {
                cancel();
              }
            });
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    if (streamed) {
      sendHeadersOnce();
      if (!status.isOk() && ctx.channel().isActive()) {
        ctx.write(new DefaultHttpContent(utf8(GatewayErrors.streamBody(status) + "\n")));
      }
      finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
      return;
    }
    FullHttpResponse r;
    if (status.isOk() && response != null) {
      try {
        r = GatewayResponses.json(HttpResponseStatus.OK, JSON.print((MessageOrBuilder) response));
      } catch (InvalidProtocolBufferException e) {
        r = GatewayErrors.response(Status.INTERNAL.withDescription(e.getMessage()));
      }
      r.headers().set(GatewayResponses.GRPC_CONTENT_TYPE, "application/grpc");
    } else {
      r =
          GatewayErrors.response(
              status.isOk() ? Status.INTERNAL.withDescription("no response") : status);
    }
    GatewayResponses.keepAlive(r, keepAlive);
    finish(ctx.writeAndFlush(r));
  }

  private void sendHeadersOnce() {
    if (headersSent) {
      return;
    }
    headersSent = true;
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(GatewayResponses.GRPC_CONTENT_TYPE, "application/grpc")
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    GatewayResponses.cors(r.headers());
    GatewayResponses.keepAlive(r, keepAlive);
    ctx.write(r);
  }

  private void finish(io.grpc.netty.shaded.io.netty.channel.ChannelFuture written) {
    written.addListener(
        f -> {
          if (!keepAlive || !f.isSuccess()) {
            ctx.close();
          }
          done.run();
        });
  }

  private static io.grpc.netty.shaded.io.netty.buffer.ByteBuf utf8(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }
}

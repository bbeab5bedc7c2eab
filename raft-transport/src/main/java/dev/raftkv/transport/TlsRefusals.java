package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Watches the TLS handshake of one accepted peer connection, right behind its {@code SslHandler}: a
 * failed handshake (for example a peer whose certificate the trusted CA did not sign, or none when
 * client certificates are required) is counted ({@link TcpTransport#tlsRefusals()}), logged in one
 * line once per remote host, and the connection closed; the error is not passed on, so the
 * cluster-id handshake's handler never sees the connection's bytes nor logs it again.
 *
 * <p>One instance per connection, run on its event loop.
 */
final class TlsRefusals extends ChannelInboundHandlerAdapter {
  private final Shared shared;
  private boolean succeeded; // the handshake is done: everything passes on from here
  private boolean refused; // the handshake failed and was reported: the rest is its echo

  TlsRefusals(Shared shared) {
    this.shared = shared;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done && !succeeded) {
      if (!done.isSuccess()) {
        refuse(ctx, done.cause());
        return;
      }
      succeeded = true;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!succeeded) {
      refuse(ctx, cause);
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  private void refuse(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
    if (refused) {
      return;
    }
    refused = true;
    shared.counters().tlsRefused.increment();
    SocketAddress remote = ctx.channel().remoteAddress();
    String host =
        remote instanceof InetSocketAddress a ? a.getHostString() : String.valueOf(remote);
    shared.log().log(
        "in:" + host + ":tls",
        System.Logger.Level.WARNING,
        "member {0} refused a peer connection from {1} at the TLS handshake, before the"
            + " cluster-id handshake: {2} (logged once per host)",
        hex(shared.config().memberId()),
        remote,
        String.valueOf(FrameDecoder.unwrap(cause).getMessage()));
    ctx.close();
  }
}

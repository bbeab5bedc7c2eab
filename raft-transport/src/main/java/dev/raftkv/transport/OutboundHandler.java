package dev.raftkv.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/**
 * The opener's side of a peer connection, in its channel's pipeline behind a {@link FrameDecoder}:
 * hands the handshake answer and the channel's events to its {@link PeerConnection}, which decides.
 * Only a Reply is expected; anything else, like a failure, is logged and closes the connection.
 *
 * <p>Runs on the channel's event loop, which is the peer connection's loop; never blocks and lets
 * nothing escape to the pipeline but the events it forwards.
 */
final class OutboundHandler extends SimpleChannelInboundHandler<Object> {

  private final PeerConnection peer;

  OutboundHandler(PeerConnection peer) {
    this.peer = peer;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object frame) {
    if (frame instanceof Handshake.Reply reply) {
      peer.onReply(ctx.channel(), reply);
    } else {
      peer.onUnexpected(frame);
      ctx.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    peer.onWritabilityChanged(ctx.channel());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    peer.onClosed(ctx.channel());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    peer.onError(FrameDecoder.unwrap(cause));
    ctx.close();
  }
}

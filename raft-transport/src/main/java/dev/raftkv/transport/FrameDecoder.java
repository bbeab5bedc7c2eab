package dev.raftkv.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;

/**
 * Splits a connection's byte stream into frames and decodes each into a {@link
 * dev.raftkv.raft.Message} or a {@link Handshake} record. A length field above the limit fails at
 * once, before the frame is buffered. After the first bad frame everything further is discarded:
 * the handler behind closes the connection on the exception.
 *
 * <p>One per connection, run on its event loop (not sharable). Throws the {@link CodecException} of
 * the first bad frame, which Netty hands to the handlers behind wrapped in a {@link
 * DecoderException} (see {@link #unwrap}); never blocks.
 */
final class FrameDecoder extends ByteToMessageDecoder {

  /**
   * What a handler behind this decoder should report for {@code cause}: the {@link CodecException}
   * (or other failure) a {@link DecoderException} wraps, else {@code cause} itself.
   */
  static Throwable unwrap(Throwable cause) {
    return cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
  }

  private final MessageCodec codec;
  private boolean failed;
  private long decodedBytes;

  FrameDecoder(MessageCodec codec) {
    this.codec = codec;
  }

  /** The bytes of every frame decoded so far (length prefixes included). */
  long decodedBytes() {
    return decodedBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < 4) {
      return;
    }
    try {
      int length = in.getInt(in.readerIndex());
      MessageCodec.checkLength(length, codec.maxFrameBytes());
      if (in.readableBytes() < 4 + length) {
        return;
      }
      out.add(codec.decodeFrame(in.nioBuffer(in.readerIndex(), 4 + length)));
      in.skipBytes(4 + length);
      decodedBytes += 4 + length;
    } catch (CodecException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }
}

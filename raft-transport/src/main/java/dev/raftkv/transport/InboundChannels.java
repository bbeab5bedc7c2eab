package dev.raftkv.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.AttributeKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;

/**
 * The connections other members opened to this one, from when they become active until they close,
 * each with the member id its handshake proved once accepted.
 *
 * <p>Thread-safe: a concurrent set and channel attributes; any thread may register, mark or close.
 * Closing only starts the close (Netty closes on the channel's event loop) and never blocks or
 * throws; {@link #closeAll} hands back the futures for a caller that must wait.
 */
final class InboundChannels {

  /** On an accepted inbound connection: the member id its handshake proved. */
  private static final AttributeKey<Long> PEER_ID = AttributeKey.valueOf("raftkv.peerId");

  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();

  void add(Channel ch) {
    channels.add(ch);
  }

  void remove(Channel ch) {
    channels.remove(ch);
  }

  /** Records that {@code ch}'s handshake proved it comes from member {@code peerId}. */
  void accepted(Channel ch, long peerId) {
    ch.attr(PEER_ID).set(peerId);
  }

  /** Closes the accepted connections whose member {@code from} matches. */
  void closeFrom(LongPredicate from) {
    for (Channel ch : channels) {
      Long peer = ch.attr(PEER_ID).get();
      if (peer != null && from.test(peer)) {
        ch.close();
      }
    }
  }

  /** Closes every connection, accepted or not; returns the close futures. */
  List<ChannelFuture> closeAll() {
    List<ChannelFuture> closing = new ArrayList<>();
    for (Channel ch : channels) {
      closing.add(ch.close());
    }
    return closing;
  }
}

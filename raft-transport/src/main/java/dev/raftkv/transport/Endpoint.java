package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Netty resources of one transport: its event-loop group ({@link
 * TcpTransportConfig#ioThreads()} daemon threads named {@code raftkv-transport-<member id>}), which
 * runs every connection, and the socket it listens on for peers.
 *
 * <p>{@link #bind} blocks until the socket is bound; {@link #close} blocks (up to 5 seconds per
 * wait) unless called on one of the group's own threads. The other methods neither block nor throw
 * and may be called from any thread.
 */
final class Endpoint {

  private final EventLoopGroup group;
  private final Channel listener;
  private final InetSocketAddress advertised;

  private Endpoint(EventLoopGroup group, Channel listener) {
    this.group = group;
    this.listener = listener;
    this.advertised = (InetSocketAddress) listener.localAddress();
  }

  /**
   * Starts the event loops and listens on {@code shared}'s listen address; each accepted
   * connection's frames are decoded by {@code shared}'s codec and handled by a new {@code
   * inbound()}. With peer TLS ({@link TcpTransportConfig#tls()}) each connection first goes through
   * a TLS handshake, watched by {@link TlsRefusals}.
   *
   * @throws UncheckedIOException naming the member and the address if the socket cannot be bound
   *     (the event loops are shut down first)
   */
  static Endpoint bind(Shared shared, Supplier<ChannelHandler> inbound) {
    TcpTransportConfig config = shared.config();
    MessageCodec codec = shared.codec();
    PeerTls tls = config.tls();
    EventLoopGroup g =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(),
            new DefaultThreadFactory("raftkv-transport-" + config.memberId(), true),
            NioIoHandler.newFactory());
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(g)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                      ch.pipeline()
                          .addLast(tls.server().newHandler(ch.alloc()), new TlsRefusals(shared));
                    }
                    ch.pipeline().addLast(new FrameDecoder(codec), inbound.get());
                  }
                });
    ChannelFuture bound = bootstrap.bind(config.listenAddress()).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
      Throwable cause = bound.cause();
      String what =
          "member "
              + hex(config.memberId())
              + " cannot listen on "
              + config.listenAddress()
              + ": "
              + cause;
      throw new UncheckedIOException(
          what, cause instanceof IOException io ? io : new IOException(what, cause));
    }
    return new Endpoint(g, bound.channel());
  }

  /** The address the socket listens on (with the actual port when bound to port 0). */
  InetSocketAddress localAddress() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** Where this member tells peers it listens (in each Hello): the address bound at start. */
  InetSocketAddress advertised() {
    return advertised;
  }

  /** The event loop for a new connection, round robin. */
  EventLoop nextLoop() {
    return group.next();
  }

  /**
   * Stops listening and shuts the event loops down, which closes every connection. Called from a
   * thread other than the group's own, it first closes the listening socket and the connections
   * {@code alsoFirst} closes, and waits for them, so the port is free when this returns.
   */
  void close(Supplier<List<ChannelFuture>> alsoFirst) {
    boolean onOwnThread = false;
    for (EventExecutor e : group) {
      onOwnThread |= e.inEventLoop();
    }
    if (!onOwnThread) {
      // Close the listening socket and the accepted connections first, and wait: the group's own
      // shutdown can race an arriving connection and leave the listener open for the life of the
      // JVM, so a member restarted in the same process found its port "already in use"
      // (TcpTransportRestartTest).
      List<ChannelFuture> closing = new ArrayList<>();
      closing.add(listener.close());
      closing.addAll(alsoFirst.get());
      for (ChannelFuture f : closing) {
        f.awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
    // Shutting the group down closes whatever is left: the outgoing connections.
    io.netty.util.concurrent.Future<?> done = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    if (!onOwnThread) {
      done.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}

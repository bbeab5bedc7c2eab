package dev.raftkv.server;

import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.Member;
import dev.raftkv.runtime.RaftRuntime;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * gRPC channels from this member to the current leader's client URL, for the calls only the leader
 * can answer (lease keep-alive and time-to-live, member promotion) — etcd forwards these to its
 * leader too — and to any member's, for the admin dashboard's status polls ({@link #channel}). The
 * leader's client URL comes from the replicated members. Channels are kept per URL and closed with
 * this object.
 *
 * <p>A leader's {@code https://} client URL is reached over TLS with {@code tls}: this member's
 * client certificate ({@code --cert-file}, presented to a leader with {@code --client-cert-auth})
 * and the trusted CA; without client TLS here, with the JVM's trust store and no certificate.
 *
 * <p>A forwarded call carries the {@link #FORWARDED} header; a member that receives one and is not
 * the leader either answers "not leader" instead of forwarding again, so two members with stale
 * views of the leader cannot bounce a call between them.
 */
final class LeaderChannels implements AutoCloseable {
  /** How long closing waits for a channel's calls under way. */
  static final java.time.Duration CLOSE_GRACE = java.time.Duration.ofSeconds(1);

  /** Marks a call one member forwarded to another. */
  static final Metadata.Key<String> FORWARDED =
      Metadata.Key.of("raftkv-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);

  private static final io.grpc.Context.Key<String> FORWARDED_BY =
      io.grpc.Context.key("raftkv-forwarded-by");

  private final RaftRuntime runtime;
  private final KvStateMachine kv;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final SslContext tls; // for https:// leaders; null: built on first need, JVM trust
  private volatile boolean closed;

  /**
   * @param tls the client context for {@code https://} leaders ({@link
   *     dev.raftkv.server.tls.ServerTls#grpcClient}), or null when this member has no client TLS
   */
  LeaderChannels(RaftRuntime runtime, KvStateMachine kv, SslContext tls) {
    this.runtime = runtime;
    this.kv = kv;
    this.tls = tls;
  }

  /**
   * A channel to the leader, or empty if this member leads, no leader is known, or the leader has
   * not published a client URL yet.
   */
  Optional<ManagedChannel> toLeader() {
    long leader = runtime.status().leader();
    if (closed || leader == 0 || leader == runtime.id()) {
      return Optional.empty();
    }
    Member m = kv.store().member(leader);
    if (m == null || m.clientUrls().isEmpty()) {
      return Optional.empty();
    }
    String url = m.clientUrls().get(0);
    return Optional.of(channels.computeIfAbsent(url, this::open));
  }

  /**
   * A channel to any member's client URL (the admin dashboard polls every member's status), kept
   * with the leader's and closed with this object; TLS as for the leader's.
   *
   * @throws IllegalStateException once closed, or if no TLS context can be made for {@code url}
   */
  ManagedChannel channel(String url) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    return channels.computeIfAbsent(url, this::open);
  }

  /**
   * Notes, for {@link #isForwardedCall}, which incoming calls another member forwarded; install on
   * the gRPC server.
   */
  static io.grpc.ServerInterceptor interceptor() {
    return new io.grpc.ServerInterceptor() {
      @Override
      public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(
          io.grpc.ServerCall<Q, A> call, Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
        String by = headers.get(FORWARDED);
        if (by == null) {
          return next.startCall(call, headers);
        }
        return io.grpc.Contexts.interceptCall(
            io.grpc.Context.current().withValue(FORWARDED_BY, by), call, headers, next);
      }
    };
  }

  /** Whether the call being served was forwarded by another member (see {@link #interceptor}). */
  static boolean isForwardedCall() {
    return FORWARDED_BY.get() != null;
  }

  /**
   * The headers this member puts on the calls it forwards: who forwards it, and the token of the
   * call being served, if it carried one (call it on that call's thread).
   */
  Metadata forwardedHeaders() {
    Metadata md = new Metadata();
    md.put(FORWARDED, Long.toHexString(runtime.id()));
    // the leader checks the caller's permissions again: hand on the token the call carried
    AuthInterceptor.Credentials c = AuthInterceptor.CREDENTIALS.get();
    if (c != null && c.token() != null) {
      md.put(AuthInterceptor.TOKEN, c.token());
    }
    return md;
  }

  private ManagedChannel open(String url) {
    URI u = URI.create(url);
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(u.getHost(), u.getPort());
    if (!ServerConfig.isHttps(u)) {
      return b.usePlaintext().build();
    }
    try {
      return b.sslContext(tls != null ? tls : GrpcSslContexts.forClient().build()).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot make a TLS context to reach " + url, e);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (ManagedChannel ch : channels.values()) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels.values()) {
      try {
        ch.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    channels.clear();
  }
}

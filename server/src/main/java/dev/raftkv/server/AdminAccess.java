package dev.raftkv.server;

import dev.raftkv.server.tls.ClientCertificates;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Who may make raftkv's admin changes (detach, attach, block, unblock), over the admin HTTP
 * endpoint and over the {@code raftkvpb.Admin} gRPC service alike. Reading (health, status) is
 * open. The rule:
 *
 * <ul>
 *   <li>Once auth is enabled, only the root user: a token of a user with the root role (HTTP: the
 *       {@code Authorization} header; gRPC: metadata {@code token}), or a verified client
 *       certificate whose CN is such a user. etcd's errors otherwise.
 *   <li>While auth is disabled, a caller on a loopback address, or one that presented a client
 *       certificate signed by {@code --trusted-ca-file} (TLS with {@code --client-cert-auth}).
 *       Anyone else is refused with {@link #NOT_LOCAL}.
 * </ul>
 */
final class AdminAccess {
  /** Why a caller from another host is refused while auth is disabled. */
  static final String NOT_LOCAL =
      "admin changes (detach, attach, block, unblock) are refused from %s: only a caller on"
          + " loopback, a caller with a client certificate signed by --trusted-ca-file, or the root"
          + " user once auth is enabled may make them";

  /** The remote address of an admin gRPC call, set by {@link #interceptor()}. */
  private static final Context.Key<SocketAddress> REMOTE = Context.key("raftkv-admin-remote");

  /** The CN of an admin gRPC call's verified client certificate, set by {@link #interceptor()}. */
  private static final Context.Key<String> COMMON_NAME = Context.key("raftkv-admin-cn");

  /** Whether an admin gRPC call presented a verified client certificate. */
  private static final Context.Key<Boolean> CERTIFIED = Context.key("raftkv-admin-certified");

  private final Authorizer auth;

  AdminAccess(Authorizer auth) {
    this.auth = auth;
  }

  /**
   * Checks a caller.
   *
   * @param remote where the call came from (null: unknown, treated as not loopback)
   * @param token the token it presented, or null
   * @param commonName the CN of its verified client certificate, or null
   * @param verifiedCertificate whether it presented a client certificate the handshake verified
   * @throws StatusRuntimeException if it may not: etcd's auth errors once auth is enabled (invalid
   *     auth token, user name is empty, permission denied), else {@code PERMISSION_DENIED} with
   *     {@link #NOT_LOCAL}
   */
  void check(SocketAddress remote, String token, String commonName, boolean verifiedCertificate) {
    if (auth.enabled()) {
      auth.requireRoot(token, commonName);
      return;
    }
    if (verifiedCertificate || isLoopback(remote)) {
      return;
    }
    throw Status.PERMISSION_DENIED
        .withDescription(String.format(NOT_LOCAL, describe(remote)))
        .asRuntimeException();
  }

  /**
   * Checks the admin gRPC call running now (its remote address and certificate were taken by {@link
   * #interceptor()}; its token by {@link AuthInterceptor}).
   */
  void checkGrpcCall() {
    AuthInterceptor.Credentials c = AuthInterceptor.CREDENTIALS.get();
    check(
        REMOTE.get(),
        c == null ? null : c.token(),
        COMMON_NAME.get(),
        Boolean.TRUE.equals(CERTIFIED.get()));
  }

  /**
   * Takes an admin gRPC call's remote address and client certificate into its context. Only the
   * admin service is wrapped with it, so the etcd services pay nothing.
   */
  static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        Optional<X509Certificate> certificate = ClientCertificates.certificate(call);
        Context context =
            Context.current()
                .withValue(REMOTE, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))
                .withValue(CERTIFIED, certificate.isPresent())
                .withValue(
                    COMMON_NAME, certificate.flatMap(ClientCertificates::commonName).orElse(null));
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }

  private static boolean isLoopback(SocketAddress remote) {
    if (remote instanceof InetSocketAddress a) {
      InetAddress address = a.getAddress();
      return address != null && address.isLoopbackAddress();
    }
    return false;
  }

  private static String describe(SocketAddress remote) {
    if (remote instanceof InetSocketAddress a && a.getAddress() != null) {
      return a.getAddress().getHostAddress();
    }
    return remote == null ? "an unknown address" : remote.toString();
  }
}

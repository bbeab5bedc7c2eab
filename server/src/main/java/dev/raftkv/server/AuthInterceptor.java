package dev.raftkv.server;

import dev.raftkv.server.tls.ClientCertificates;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.function.BooleanSupplier;

/**
 * Takes a call's credentials into its gRPC context for the services ({@link Authorizer#caller}):
 * the token of metadata {@code token} (etcd's clients) or {@code authorization} (etcd 3.4 takes it
 * too), and the CN of a verified client certificate (etcd's CN authentication). While auth is
 * disabled it does nothing but test that flag.
 */
final class AuthInterceptor implements ServerInterceptor {
  /** The call's credentials; absent when it carried none. */
  static final Context.Key<Credentials> CREDENTIALS = Context.key("raftkv-credentials");

  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * What a call presented.
   *
   * @param token its token, or null
   * @param commonName the CN of its verified client certificate, or null
   */
  record Credentials(String token, String commonName) {}

  private final BooleanSupplier enabled;

  /**
   * @param enabled whether auth is enabled now
   */
  AuthInterceptor(BooleanSupplier enabled) {
    this.enabled = enabled;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (!enabled.getAsBoolean()) {
      return next.startCall(call, headers);
    }
    String token = headers.get(TOKEN);
    if (token == null) {
      token = headers.get(AUTHORIZATION);
    }
    String cn = ClientCertificates.commonName(call).orElse(null);
    if (token == null && cn == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(
        Context.current().withValue(CREDENTIALS, new Credentials(token, cn)), call, headers, next);
  }
}

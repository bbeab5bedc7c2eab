package dev.raftkv.cli;

import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.AuthenticateRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * etcdctl's {@code --user name[:password]}: the user and password a command authenticates with
 * (etcd's {@code Auth.Authenticate}) to get the token it then sends in gRPC metadata {@code token},
 * as etcd's clients do.
 *
 * @param name the user name
 * @param password the password
 */
record UserCredentials(String name, String password) {
  private static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  /** Codes under which the server said no (its message says why), rather than could not answer. */
  private static final Set<Status.Code> REFUSALS =
      Set.of(
          Status.Code.INVALID_ARGUMENT,
          Status.Code.PERMISSION_DENIED,
          Status.Code.UNAUTHENTICATED,
          Status.Code.FAILED_PRECONDITION,
          Status.Code.NOT_FOUND);

  /**
   * Parses {@code spec} as etcdctl does: the password follows the first colon; without one it is
   * asked for on the terminal.
   *
   * @param askPassword reads a password after showing its argument as a prompt, or null when there
   *     is no terminal to ask on (stdin or stdout redirected)
   * @throws IllegalArgumentException with a message for the user: an empty name, or no password and
   *     no terminal
   */
  static UserCredentials parse(String spec, Function<String, char[]> askPassword) {
    int colon = spec.indexOf(':');
    String name = colon < 0 ? spec : spec.substring(0, colon);
    if (name.isEmpty()) {
      throw new IllegalArgumentException(
          "--user: the user name is empty (use --user NAME:PASSWORD)");
    }
    if (colon >= 0) {
      return new UserCredentials(name, spec.substring(colon + 1));
    }
    if (askPassword == null) {
      throw new IllegalArgumentException(
          "--user "
              + name
              + ": no password after ':' and no terminal to ask for it on; give --user "
              + name
              + ":PASSWORD");
    }
    char[] typed = askPassword.apply("Password: ");
    if (typed == null) {
      throw new IllegalArgumentException("--user " + name + ": no password was typed");
    }
    return new UserCredentials(name, new String(typed));
  }

  /**
   * Authenticates on {@code channel}.
   *
   * @return the token
   * @throws StatusRuntimeException etcd's error (wrong password, auth not enabled, ...), or why the
   *     member did not answer
   */
  String authenticate(Channel channel) {
    return AuthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .authenticate(AuthenticateRequest.newBuilder().setName(name).setPassword(password).build())
        .getToken();
  }

  @Override
  public String toString() {
    return "UserCredentials[name=" + name + "]"; // never the password
  }

  /** {@code stub} sending {@code token} in metadata {@code token}; {@code stub} if it is null. */
  static <S extends AbstractStub<S>> S withToken(S stub, String token) {
    if (token == null) {
      return stub;
    }
    Metadata md = new Metadata();
    md.put(TOKEN, token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  /**
   * One line for the user about a failed call: the server's message when it refused (etcd's errors,
   * raftkv's admin refusal), else the status code and its description (no answer in time for a
   * deadline).
   */
  static String describe(StatusRuntimeException e) {
    Status s = e.getStatus();
    if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return "DEADLINE_EXCEEDED: no answer in time"; // gRPC's description is about its internals
    }
    if (s.getDescription() == null) {
      return s.getCode().name();
    }
    return REFUSALS.contains(s.getCode())
        ? s.getDescription()
        : s.getCode() + ": " + s.getDescription();
  }
}

package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.kv.AuthResponse;
import dev.raftkv.kv.AuthRole;
import dev.raftkv.kv.AuthState;
import dev.raftkv.kv.AuthUser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * {@link AdminAccess}'s rule on a real {@link Authorizer} over a hand-made auth state: loopback or
 * a verified certificate while auth is disabled, the root user (token or CN) once it is enabled.
 */
class AdminAccessTest {
  private static final AuthState ENABLED =
      new AuthState(
          true,
          3,
          Map.of(
              "root", new AuthUser("root", "h", false, List.of("root")),
              "alice", new AuthUser("alice", "h", false, List.of("r"))),
          Map.of("r", new AuthRole("r", List.of())));

  private final AtomicReference<AuthState> state = new AtomicReference<>(AuthState.EMPTY);
  private final SimpleTokens tokens = new SimpleTokens(Duration.ofMinutes(5), System::nanoTime);
  private final AdminAccess access = new AdminAccess(new Authorizer(state::get, tokens, () -> 10));

  private static InetSocketAddress at(String ip) throws UnknownHostException {
    return new InetSocketAddress(InetAddress.getByName(ip), 40_000);
  }

  private void issue(String token, String user) {
    tokens.applied(new AuthResponse(1, 3, user, token, AuthResponse.Tokens.ISSUED));
  }

  private AbstractThrowableAssert<?, ?> refused(
      SocketAddress remote, String token, String cn, boolean certified, Status.Code code) {
    return assertThatThrownBy(() -> access.check(remote, token, cn, certified))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  @Test
  void whileAuthIsDisabledALoopbackCallerIsAllowed() throws Exception {
    assertThatCode(() -> access.check(at("127.0.0.1"), null, null, false))
        .doesNotThrowAnyException();
    assertThatCode(() -> access.check(at("127.0.0.53"), null, null, false))
        .doesNotThrowAnyException();
    assertThatCode(() -> access.check(at("::1"), null, null, false)).doesNotThrowAnyException();
  }

  @Test
  void whileAuthIsDisabledAnotherHostIsRefusedNamingItsAddress() throws Exception {
    refused(at("192.0.2.7"), null, null, false, Status.Code.PERMISSION_DENIED)
        .hasMessage("PERMISSION_DENIED: " + String.format(AdminAccess.NOT_LOCAL, "192.0.2.7"))
        .hasMessageContaining("refused from 192.0.2.7: only a caller on loopback");
    // a token or a CN without a verified certificate does not stand in for one
    refused(at("10.1.2.3"), "some.1", "root", false, Status.Code.PERMISSION_DENIED)
        .hasMessageContaining("refused from 10.1.2.3");
    refused(at("2001:db8::1"), null, null, false, Status.Code.PERMISSION_DENIED)
        .hasMessageContaining("refused from 2001:db8:0:0:0:0:0:1");
  }

  @Test
  void whileAuthIsDisabledAVerifiedCertificateIsEnoughFromAnyHost() throws Exception {
    assertThatCode(() -> access.check(at("192.0.2.7"), null, "anyone", true))
        .doesNotThrowAnyException();
    assertThatCode(() -> access.check(at("192.0.2.7"), null, null, true))
        .doesNotThrowAnyException();
  }

  @Test
  void anUnknownRemoteIsNotLoopback() {
    refused(null, null, null, false, Status.Code.PERMISSION_DENIED)
        .hasMessageContaining("refused from an unknown address");
    refused(
            InetSocketAddress.createUnresolved("localhost", 1),
            null,
            null,
            false,
            Status.Code.PERMISSION_DENIED)
        .hasMessageContaining("refused from localhost");
    refused(new SocketAddress() {}, null, null, false, Status.Code.PERMISSION_DENIED);
  }

  @Test
  void onceAuthIsEnabledLoopbackNeedsCredentials() throws Exception {
    state.set(ENABLED);
    refused(at("127.0.0.1"), null, null, false, Status.Code.INVALID_ARGUMENT)
        .hasMessage("INVALID_ARGUMENT: etcdserver: user name is empty");
    refused(at("127.0.0.1"), "forged.1", null, false, Status.Code.UNAUTHENTICATED)
        .hasMessage("UNAUTHENTICATED: etcdserver: invalid auth token");
  }

  @Test
  void onceAuthIsEnabledANonRootUserIsDenied() throws Exception {
    state.set(ENABLED);
    issue("alice.5", "alice");
    refused(at("127.0.0.1"), "alice.5", null, false, Status.Code.PERMISSION_DENIED)
        .hasMessage("PERMISSION_DENIED: etcdserver: permission denied");
    refused(at("192.0.2.7"), null, "alice", true, Status.Code.PERMISSION_DENIED)
        .hasMessage("PERMISSION_DENIED: etcdserver: permission denied");
    // the token names the caller, not the certificate beside it (etcd's AuthInfoFromCtx)
    refused(at("192.0.2.7"), "alice.5", "root", true, Status.Code.PERMISSION_DENIED)
        .hasMessage("PERMISSION_DENIED: etcdserver: permission denied");
    // a verified certificate is no longer enough by itself
    refused(at("192.0.2.7"), null, null, true, Status.Code.INVALID_ARGUMENT)
        .hasMessage("INVALID_ARGUMENT: etcdserver: user name is empty");
  }

  @Test
  void onceAuthIsEnabledRootIsAllowedFromAnyHost() throws Exception {
    state.set(ENABLED);
    issue("root.6", "root");
    assertThatCode(() -> access.check(at("192.0.2.7"), "root.6", null, false))
        .doesNotThrowAnyException();
    assertThatCode(() -> access.check(at("127.0.0.1"), "root.6", null, false))
        .doesNotThrowAnyException();
    assertThatCode(() -> access.check(at("192.0.2.7"), null, "root", true))
        .doesNotThrowAnyException();
    assertThatCode(() -> access.check(null, null, "root", true)).doesNotThrowAnyException();
  }
}

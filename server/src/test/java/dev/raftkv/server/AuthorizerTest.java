package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.kv.AuthResponse;
import dev.raftkv.kv.AuthRole;
import dev.raftkv.kv.AuthState;
import dev.raftkv.kv.AuthUser;
import dev.raftkv.kv.Permission;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Who a call is from and the receiving member's checks, on a hand-made auth state. */
class AuthorizerTest {
  private static final AuthState ENABLED =
      new AuthState(
          true,
          7,
          Map.of(
              "root", new AuthUser("root", "h", false, List.of("root")),
              "alice", new AuthUser("alice", "h", false, List.of("r"))),
          Map.of(
              "r", new AuthRole("r", List.of(new Permission(Permission.Type.READ, b("k"), null)))));

  private static byte[] b(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private final AtomicReference<AuthState> state = new AtomicReference<>(ENABLED);
  private final AtomicLong applied = new AtomicLong(10);
  private final SimpleTokens tokens = new SimpleTokens(Duration.ofMinutes(5), System::nanoTime);
  private final Authorizer auth = new Authorizer(state::get, tokens, applied::get);

  private static <T> T as(AuthInterceptor.Credentials c, java.util.concurrent.Callable<T> body)
      throws Exception {
    return Context.current().withValue(AuthInterceptor.CREDENTIALS, c).call(body);
  }

  private void issue(String token, String user) {
    tokens.applied(new AuthResponse(1, 7, user, token, AuthResponse.Tokens.ISSUED));
  }

  @Test
  void aTokenOrElseACertificatesCnIsTheCaller() throws Exception {
    issue("t.5", "alice");
    assertThat(as(new AuthInterceptor.Credentials("t.5", "root"), auth::caller))
        .isEqualTo(new AuthInfo("alice", 7));
    assertThat(as(new AuthInterceptor.Credentials(null, "root"), auth::caller))
        .isEqualTo(new AuthInfo("root", 7));
    assertThat(as(null, auth::caller)).isNull();
    assertThatThrownBy(() -> as(new AuthInterceptor.Credentials("bad.1", null), auth::caller))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("etcdserver: invalid auth token");
  }

  @Test
  void nothingIsAskedWhileAuthIsDisabled() throws Exception {
    state.set(AuthState.EMPTY);
    assertThat(as(new AuthInterceptor.Credentials("bad.1", null), auth::caller)).isNull();
    auth.requireRoot(null, null);
    auth.checkRead(null, b("x"), null);
  }

  @Test
  void aTokenFromAnEntryNotAppliedHereIsLookedUpAfterTheBarrier() throws Exception {
    AtomicInteger barriers = new AtomicInteger();
    CompletableFuture<Long> barrier = new CompletableFuture<>();
    CompletableFuture<AuthInfo> caller =
        as(
            new AuthInterceptor.Credentials("late.12", null),
            () ->
                auth.callerAfter(
                    () -> {
                      barriers.incrementAndGet();
                      return barrier;
                    }));
    assertThat(caller).isNotDone();
    issue("late.12", "alice"); // the barrier applies the Authenticate entry
    applied.set(12);
    barrier.complete(12L);
    assertThat(caller.get()).isEqualTo(new AuthInfo("alice", 7));
    assertThat(barriers).hasValue(1);
    // a token of an entry already applied here is invalid at once
    assertThat(
            as(
                new AuthInterceptor.Credentials("gone.3", null),
                () -> auth.callerAfter(() -> barrier)))
        .isCompletedExceptionally();
  }

  @Test
  void readsAndRootOnlyCallsAreCheckedAsEtcdDoes() {
    auth.checkRead(new AuthInfo("alice", 7), b("k"), null);
    assertThatThrownBy(() -> auth.checkRead(new AuthInfo("alice", 7), b("j"), null))
        .hasMessageContaining("etcdserver: permission denied");
    assertThatThrownBy(() -> auth.checkRead(new AuthInfo("alice", 6), b("k"), null))
        .hasMessageContaining("etcdserver: revision of auth store is old");
    assertThatThrownBy(() -> auth.checkRead(null, b("k"), null))
        .hasMessageContaining("etcdserver: user name is empty");
    auth.requireAdmin(new AuthInfo("root", 7));
    assertThatThrownBy(() -> auth.requireAdmin(new AuthInfo("alice", 7)))
        .hasMessageContaining("etcdserver: permission denied");
    assertThatThrownBy(() -> auth.requireRoot(null, null))
        .hasMessageContaining("etcdserver: user name is empty");
    auth.requireRoot(null, "root");
  }
}

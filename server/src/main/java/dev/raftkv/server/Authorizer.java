package dev.raftkv.server;

import dev.raftkv.kv.AuthState;
import dev.raftkv.kv.Authed;
import dev.raftkv.kv.KvException;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.Permission;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The server's side of etcd's auth: who a call is from (its token or its client certificate's CN,
 * etcd's {@code AuthInfoFromCtx}), the credentials a proposal carries, and the checks etcd makes on
 * the member that received a request rather than at apply: reads (Range, Watch creation, a lease's
 * keys) and the root-only calls (maintenance, membership, raftkv's admin). Every refusal is etcd's
 * error as a gRPC status. While auth is disabled every method returns at once.
 */
final class Authorizer {
  private final Supplier<AuthState> state;
  private final TokenProvider tokens;
  private final LongSupplier appliedIndex;

  /**
   * @param state the replicated auth state now
   * @param tokens checks the tokens calls carry
   * @param appliedIndex this member's applied index now
   */
  Authorizer(Supplier<AuthState> state, TokenProvider tokens, LongSupplier appliedIndex) {
    this.state = state;
    this.tokens = tokens;
    this.appliedIndex = appliedIndex;
  }

  /** Whether auth is enabled now. */
  boolean enabled() {
    return state.get().enabled();
  }

  /** The replicated auth state now. */
  AuthState state() {
    return state.get();
  }

  TokenProvider tokens() {
    return tokens;
  }

  /**
   * Who the call being served is from (its credentials, put in its context by {@link
   * AuthInterceptor}); null when auth is disabled or the call carried none.
   *
   * @throws StatusRuntimeException {@code etcdserver: invalid auth token}
   */
  AuthInfo caller() {
    if (!enabled()) {
      return null;
    }
    return authInfo(AuthInterceptor.CREDENTIALS.get());
  }

  /**
   * {@link #caller()}, but a simple token this member does not know yet because it has not applied
   * the entry that issued it (the client authenticated through a member further ahead) is looked up
   * again after {@code barrier} (a read barrier applies it), as etcd waits for the token's index.
   * Call it on the call's thread; the future may complete on another.
   */
  CompletableFuture<AuthInfo> callerAfter(Supplier<CompletableFuture<Long>> barrier) {
    if (!enabled()) {
      return CompletableFuture.completedFuture(null);
    }
    AuthInterceptor.Credentials c = AuthInterceptor.CREDENTIALS.get();
    try {
      return CompletableFuture.completedFuture(authInfo(c));
    } catch (StatusRuntimeException e) {
      if (c != null
          && c.token() != null
          && tokens.mayBeIssuedAfter(c.token(), appliedIndex.getAsLong())) {
        return barrier.get().thenApply(ignored -> authInfo(c));
      }
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * etcd's {@code AuthInfoFromCtx}: the token's user when there is a token (which must be valid),
   * else the certificate's CN, else null. Both are checked at the current auth revision, except a
   * JWT, which carries the revision it was issued at.
   *
   * @throws StatusRuntimeException {@code etcdserver: invalid auth token}
   */
  AuthInfo authInfo(AuthInterceptor.Credentials c) {
    if (c == null) {
      return null;
    }
    long revision = state.get().revision();
    if (c.token() != null) {
      AuthInfo ai = tokens.info(c.token(), revision);
      if (ai == null) {
        throw EtcdError.INVALID_AUTH_TOKEN.exception();
      }
      return ai;
    }
    return c.commonName() == null ? null : new AuthInfo(c.commonName(), revision);
  }

  /** {@code op} with the caller's credentials while auth is enabled (see {@link Authed}). */
  static Op withCredentials(Op op, AuthInfo caller) {
    return caller == null ? op : new Authed(caller.user(), caller.revision(), op);
  }

  /**
   * etcd's {@code IsRangePermitted}: throws unless {@code caller} may read {@code [key, rangeEnd)}.
   */
  void checkRead(AuthInfo caller, byte[] key, byte[] rangeEnd) {
    try {
      state
          .get()
          .checkOp(
              caller == null ? null : caller.user(),
              caller == null ? 0 : caller.revision(),
              key,
              rangeEnd,
              Permission.Type.READ);
    } catch (KvException e) {
      throw EtcdError.toStatus(e);
    }
  }

  /**
   * etcd's {@code IsAdminPermitted} for the calls it checks on the receiving member (maintenance,
   * membership; raftkv's admin): throws unless {@code caller} holds the root role. Without
   * credentials: {@code etcdserver: user name is empty}.
   */
  void requireAdmin(AuthInfo caller) {
    check(caller == null ? null : caller.user());
  }

  private void check(String user) {
    try {
      state.get().checkAdmin(user);
    } catch (KvException e) {
      throw EtcdError.toStatus(e);
    }
  }

  /**
   * The one check of raftkv's own admin calls (detach, attach, block, unblock): nothing while auth
   * is disabled; then the root role, from a token or a client certificate's CN.
   *
   * @param token the token presented, or null
   * @param commonName the CN of the verified client certificate, or null
   * @throws StatusRuntimeException etcd's error: invalid token, user name is empty, permission
   *     denied
   */
  void requireRoot(String token, String commonName) {
    if (!enabled()) {
      return;
    }
    requireAdmin(authInfo(new AuthInterceptor.Credentials(token, commonName)));
  }
}

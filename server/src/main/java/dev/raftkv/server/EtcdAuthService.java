package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.AuthDisableRequest;
import dev.raftkv.api.etcdserverpb.AuthDisableResponse;
import dev.raftkv.api.etcdserverpb.AuthEnableRequest;
import dev.raftkv.api.etcdserverpb.AuthEnableResponse;
import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.AuthRoleAddRequest;
import dev.raftkv.api.etcdserverpb.AuthRoleAddResponse;
import dev.raftkv.api.etcdserverpb.AuthRoleDeleteRequest;
import dev.raftkv.api.etcdserverpb.AuthRoleDeleteResponse;
import dev.raftkv.api.etcdserverpb.AuthRoleGetRequest;
import dev.raftkv.api.etcdserverpb.AuthRoleGetResponse;
import dev.raftkv.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.raftkv.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import dev.raftkv.api.etcdserverpb.AuthRoleListRequest;
import dev.raftkv.api.etcdserverpb.AuthRoleListResponse;
import dev.raftkv.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import dev.raftkv.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import dev.raftkv.api.etcdserverpb.AuthStatusRequest;
import dev.raftkv.api.etcdserverpb.AuthStatusResponse;
import dev.raftkv.api.etcdserverpb.AuthUserAddRequest;
import dev.raftkv.api.etcdserverpb.AuthUserAddResponse;
import dev.raftkv.api.etcdserverpb.AuthUserChangePasswordRequest;
import dev.raftkv.api.etcdserverpb.AuthUserChangePasswordResponse;
import dev.raftkv.api.etcdserverpb.AuthUserDeleteRequest;
import dev.raftkv.api.etcdserverpb.AuthUserDeleteResponse;
import dev.raftkv.api.etcdserverpb.AuthUserGetRequest;
import dev.raftkv.api.etcdserverpb.AuthUserGetResponse;
import dev.raftkv.api.etcdserverpb.AuthUserGrantRoleRequest;
import dev.raftkv.api.etcdserverpb.AuthUserGrantRoleResponse;
import dev.raftkv.api.etcdserverpb.AuthUserListRequest;
import dev.raftkv.api.etcdserverpb.AuthUserListResponse;
import dev.raftkv.api.etcdserverpb.AuthUserRevokeRoleRequest;
import dev.raftkv.api.etcdserverpb.AuthUserRevokeRoleResponse;
import dev.raftkv.api.etcdserverpb.AuthenticateRequest;
import dev.raftkv.api.etcdserverpb.AuthenticateResponse;
import dev.raftkv.kv.AuthRequest;
import dev.raftkv.kv.AuthResponse;
import dev.raftkv.kv.AuthRole;
import dev.raftkv.kv.AuthState;
import dev.raftkv.kv.AuthUser;
import dev.raftkv.kv.KvException;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.Response;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * etcd's {@code Auth} service. The changes go through the Raft log ({@link AuthRequest}, applied
 * with etcd's checks on every member; once auth is enabled they need the root role, checked at
 * apply). Passwords are hashed here, on the member that received the request, before proposing;
 * Authenticate checks the password here too and then proposes, so every member learns the simple
 * token. The reads (UserGet, UserList, RoleGet, RoleList, AuthStatus) are answered from this
 * member's state after a linearizable read barrier, with the admin check etcd makes (a user may get
 * itself and its own roles).
 *
 * <p>Threads: these calls run on the server's call pool (bcrypt is slow on purpose), never on an
 * event loop; what follows an apply hops back to the pool.
 */
final class EtcdAuthService extends AuthGrpc.AuthImplBase {
  /** How often Authenticate retries when the auth store changed under it. */
  static final int AUTHENTICATE_TRIES = 3;

  private final KvServer server;
  private final Passwords passwords;

  EtcdAuthService(KvServer server, Passwords passwords) {
    this.server = server;
    this.passwords = passwords;
  }

  private Authorizer auth() {
    return server.auth();
  }

  /** Proposes {@code op} with the caller's credentials and answers with {@code convert}. */
  private <T> void change(Op op, StreamObserver<T> out, Function<Response, T> convert) {
    server.reply(server.apply(op, convert), out);
  }

  @Override
  public void authEnable(AuthEnableRequest req, StreamObserver<AuthEnableResponse> out) {
    change(
        new AuthRequest.Enable(),
        out,
        r -> AuthEnableResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  @Override
  public void authDisable(AuthDisableRequest req, StreamObserver<AuthDisableResponse> out) {
    change(
        new AuthRequest.Disable(),
        out,
        r -> AuthDisableResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  /** etcd 3.5's AuthStatus: whether auth is enabled and the auth revision; open to anyone. */
  @Override
  public void authStatus(AuthStatusRequest req, StreamObserver<AuthStatusResponse> out) {
    server.reply(
        server
            .readBarrier()
            .thenApply(
                ignored -> {
                  AuthState s = auth().state();
                  return AuthStatusResponse.newBuilder()
                      .setHeader(server.header())
                      .setEnabled(s.enabled())
                      .setAuthRevision(s.revision())
                      .build();
                }),
        out);
  }

  @Override
  public void authenticate(AuthenticateRequest req, StreamObserver<AuthenticateResponse> out) {
    server.reply(authenticate(req, AUTHENTICATE_TRIES), out);
  }

  /**
   * etcd's Authenticate: the password is checked here against the state at some auth revision, then
   * the proposal carries that revision; if the store changed before it applied, again.
   */
  private CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest req, int tries) {
    AuthState s = auth().state();
    if (!s.enabled()) {
      return CompletableFuture.failedFuture(EtcdError.AUTH_NOT_ENABLED.exception());
    }
    AuthUser u = s.user(req.getName());
    if (u != null && u.noPassword()) {
      return CompletableFuture.failedFuture(EtcdError.NO_PASSWORD_USER.exception());
    }
    if (u == null || !Passwords.matches(u.passwordHash(), req.getPassword())) {
      return CompletableFuture.failedFuture(EtcdError.AUTH_FAILED.exception());
    }
    TokenProvider tokens = auth().tokens();
    return server
        .apply(
            new AuthRequest.Authenticate(req.getName(), tokens.newPrefix(), s.revision()),
            null,
            r -> (AuthResponse) r)
        .handleAsync(
            (applied, e) -> {
              if (e == null) {
                return CompletableFuture.completedFuture(
                    AuthenticateResponse.newBuilder()
                        .setHeader(server.header(applied.revision()))
                        .setToken(tokens.assign(applied))
                        .build());
              }
              Throwable c =
                  e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
              if (tries > 1
                  && c instanceof KvException k
                  && k.code() == KvException.Code.AUTH_OLD_REVISION) {
                return authenticate(req, tries - 1);
              }
              return CompletableFuture.<AuthenticateResponse>failedFuture(c);
            },
            server.blockingReads())
        .thenCompose(f -> f);
  }

  @Override
  public void userAdd(AuthUserAddRequest req, StreamObserver<AuthUserAddResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // checked again at apply; here so that no one else makes this member run bcrypt
    }
    if (req.getName().isEmpty()) {
      out.onError(EtcdError.USER_EMPTY.exception()); // what apply would answer, without bcrypt
      return;
    }
    boolean noPassword = req.hasOptions() && req.getOptions().getNoPassword();
    String hash;
    try {
      hash = noPassword ? null : hashOf(req.getPassword(), req.getHashedPassword());
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    change(
        new AuthRequest.UserAdd(req.getName(), hash, noPassword),
        out,
        r -> AuthUserAddResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  /** The hash to store: the client's own (etcd 3.5's hashedPassword), else one made here. */
  private String hashOf(String password, String hashed) {
    if (!hashed.isEmpty()) {
      return hashed;
    }
    try {
      return passwords.hash(password);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("etcdserver: " + e.getMessage())
          .asRuntimeException();
    }
  }

  @Override
  public void userGet(AuthUserGetRequest req, StreamObserver<AuthUserGetResponse> out) {
    read(
        out,
        (caller, s) -> {
          if (caller == null || !caller.user().equals(req.getName())) {
            auth().requireAdmin(caller);
          }
          AuthUser u = s.user(req.getName());
          if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
          }
          return AuthUserGetResponse.newBuilder()
              .setHeader(server.header())
              .addAllRoles(u.roles())
              .build();
        });
  }

  @Override
  public void userList(AuthUserListRequest req, StreamObserver<AuthUserListResponse> out) {
    read(
        out,
        (caller, s) -> {
          auth().requireAdmin(caller);
          return AuthUserListResponse.newBuilder()
              .setHeader(server.header())
              .addAllUsers(s.users().keySet())
              .build();
        });
  }

  @Override
  public void userDelete(AuthUserDeleteRequest req, StreamObserver<AuthUserDeleteResponse> out) {
    change(
        new AuthRequest.UserDelete(req.getName()),
        out,
        r -> AuthUserDeleteResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  @Override
  public void userChangePassword(
      AuthUserChangePasswordRequest req, StreamObserver<AuthUserChangePasswordResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // checked again at apply; here so that no one else makes this member run bcrypt
    }
    String hash;
    try {
      hash = hashOf(req.getPassword(), req.getHashedPassword());
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    change(
        new AuthRequest.UserChangePassword(req.getName(), hash),
        out,
        r ->
            AuthUserChangePasswordResponse.newBuilder()
                .setHeader(server.header(r.revision()))
                .build());
  }

  @Override
  public void userGrantRole(
      AuthUserGrantRoleRequest req, StreamObserver<AuthUserGrantRoleResponse> out) {
    change(
        new AuthRequest.UserGrantRole(req.getUser(), req.getRole()),
        out,
        r -> AuthUserGrantRoleResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  @Override
  public void userRevokeRole(
      AuthUserRevokeRoleRequest req, StreamObserver<AuthUserRevokeRoleResponse> out) {
    change(
        new AuthRequest.UserRevokeRole(req.getName(), req.getRole()),
        out,
        r ->
            AuthUserRevokeRoleResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  @Override
  public void roleAdd(AuthRoleAddRequest req, StreamObserver<AuthRoleAddResponse> out) {
    change(
        new AuthRequest.RoleAdd(req.getName()),
        out,
        r -> AuthRoleAddResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  @Override
  public void roleGet(AuthRoleGetRequest req, StreamObserver<AuthRoleGetResponse> out) {
    read(
        out,
        (caller, s) -> {
          AuthUser self = caller == null ? null : s.user(caller.user());
          if (self == null || !self.roles().contains(req.getRole())) {
            auth().requireAdmin(caller);
          }
          AuthRole role = s.role(req.getRole());
          if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
          }
          AuthRoleGetResponse.Builder b =
              AuthRoleGetResponse.newBuilder().setHeader(server.header());
          role.permissions().forEach(p -> b.addPerm(EtcdProtos.toProto(p)));
          return b.build();
        });
  }

  @Override
  public void roleList(AuthRoleListRequest req, StreamObserver<AuthRoleListResponse> out) {
    read(
        out,
        (caller, s) -> {
          auth().requireAdmin(caller);
          return AuthRoleListResponse.newBuilder()
              .setHeader(server.header())
              .addAllRoles(s.roles().keySet())
              .build();
        });
  }

  @Override
  public void roleDelete(AuthRoleDeleteRequest req, StreamObserver<AuthRoleDeleteResponse> out) {
    change(
        new AuthRequest.RoleDelete(req.getRole()),
        out,
        r -> AuthRoleDeleteResponse.newBuilder().setHeader(server.header(r.revision())).build());
  }

  @Override
  public void roleGrantPermission(
      AuthRoleGrantPermissionRequest req, StreamObserver<AuthRoleGrantPermissionResponse> out) {
    dev.raftkv.kv.Permission p;
    try {
      p = EtcdProtos.toKv(req.getPerm());
    } catch (IllegalArgumentException e) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("etcdserver: " + e.getMessage())
              .asRuntimeException());
      return;
    }
    change(
        new AuthRequest.RoleGrantPermission(req.getName(), p),
        out,
        r ->
            AuthRoleGrantPermissionResponse.newBuilder()
                .setHeader(server.header(r.revision()))
                .build());
  }

  @Override
  public void roleRevokePermission(
      AuthRoleRevokePermissionRequest req, StreamObserver<AuthRoleRevokePermissionResponse> out) {
    change(
        new AuthRequest.RoleRevokePermission(
            req.getRole(), req.getKey().toByteArray(), req.getRangeEnd().toByteArray()),
        out,
        r ->
            AuthRoleRevokePermissionResponse.newBuilder()
                .setHeader(server.header(r.revision()))
                .build());
  }

  /** An auth read: the caller now, the answer from the state after a read barrier. */
  private <T> void read(StreamObserver<T> out, AuthRead<T> answer) {
    server.reply(
        auth()
            .callerAfter(server::readBarrier)
            .thenCompose(
                caller ->
                    server
                        .readBarrier()
                        .thenApply(ignored -> answer.apply(caller, auth().state()))),
        out);
  }

  /** The answer to an auth read, from the caller and the state. */
  private interface AuthRead<T> {
    T apply(AuthInfo caller, AuthState state);
  }
}

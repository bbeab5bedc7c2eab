package dev.raftkv.kv;

import java.util.Objects;

/**
 * A client's request with the credentials it was checked with (etcd's request header {@code
 * username} and {@code auth_revision}): proposed only while auth is enabled on the member that
 * received it. At apply, if auth is enabled, the op runs only when the user may do it and the auth
 * store did not change since {@code authRevision} (else {@code etcdserver: revision of auth store
 * is old}, and the client retries); a request proposed without it while auth is enabled is refused
 * with {@code etcdserver: user name is empty}.
 *
 * @param user the authenticated user name
 * @param authRevision the auth revision at which the credentials were checked
 * @param op the request (never another {@code Authed} nor a {@link ServerRequest})
 */
public record Authed(String user, long authRevision, Op op) implements Op {
  public Authed {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(op, "op");
    if (op instanceof Authed || op instanceof ServerRequest) {
      throw new IllegalArgumentException("credentials wrap a request, not " + op);
    }
  }
}

package dev.raftkv.kv;

import java.util.Objects;

/**
 * An op the server proposes on its own behalf while auth is enabled (the revoke of an expired
 * lease, which etcd makes as root): no user's permissions apply to it. Clients' requests are never
 * wrapped so; only server code builds one.
 *
 * @param op the op (never an {@link Authed} nor another {@code ServerRequest})
 */
public record ServerRequest(Op op) implements Op {
  public ServerRequest {
    Objects.requireNonNull(op, "op");
    if (op instanceof Authed || op instanceof ServerRequest) {
      throw new IllegalArgumentException("a server request wraps a request, not " + op);
    }
  }
}

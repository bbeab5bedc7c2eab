package dev.raftkv.server;

import dev.raftkv.kv.AuthResponse;

/**
 * Issues and checks the tokens of etcd's Authenticate ({@code --auth-token}): {@link SimpleTokens}
 * or {@link JwtTokens}.
 */
interface TokenProvider {
  /**
   * The random prefix the next Authenticate proposal carries: every member names the token it
   * issues with it and the entry's index. Empty when tokens are not kept by the members (JWT).
   */
  String newPrefix();

  /** The token to answer an Authenticate with, once it was applied on this member. */
  String assign(AuthResponse applied);

  /**
   * Who {@code token} belongs to, or null when it is not a valid token (unknown, expired, badly
   * signed).
   *
   * @param currentRevision the auth revision now (a simple token is checked at it)
   */
  AuthInfo info(String token, long currentRevision);

  /**
   * Whether {@code token}, unknown here, may have been issued by an entry this member has not
   * applied yet (its applied index is {@code appliedIndex}): then a read barrier, which applies
   * everything committed, may make it known.
   */
  default boolean mayBeIssuedAfter(String token, long appliedIndex) {
    return false;
  }

  /** Told every applied auth change, on every member: tokens issued and invalidated. */
  void applied(AuthResponse change);
}

package dev.raftkv.server;

import dev.raftkv.kv.ApplyResult;
import dev.raftkv.kv.AuthResponse;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.OpResult;
import java.util.List;

/**
 * Tells the {@link TokenProvider} of every applied auth change on this member (tokens issued by an
 * Authenticate, a user's tokens revoked, all of them when auth is disabled or a snapshot replaces
 * the store), so every member knows the simple tokens. While auth is disabled (and stayed so
 * through the batch) it only tests that flag.
 */
final class TokenKeeper implements KvStateMachine.ApplyListener {
  private final KvStore store;
  private final TokenProvider tokens;

  /** Whether auth was enabled after the last batch (apply thread only). */
  private boolean active;

  TokenKeeper(KvStore store, TokenProvider tokens) {
    this.store = store;
    this.tokens = tokens;
    this.active = store.auth().enabled();
  }

  /**
   * A snapshot replaced the store: the changes it covers (a user deleted, a password changed, auth
   * disabled) were never told one by one, so every token this member knows is dropped; their
   * clients authenticate again.
   */
  @Override
  public void restored(long revision) {
    tokens.applied(new AuthResponse(revision, 0, null, null, AuthResponse.Tokens.REVOKE_ALL));
    active = store.auth().enabled();
  }

  @Override
  public void applied(List<ApplyResult> results) {
    boolean enabled = store.auth().enabled();
    if (!enabled && !active) {
      return;
    }
    active = enabled;
    for (ApplyResult r : results) {
      for (OpResult o : r.results()) {
        if (o.response() instanceof AuthResponse a && a.tokens() != AuthResponse.Tokens.KEEP) {
          tokens.applied(a);
        }
      }
    }
  }
}

package dev.raftkv.server;

import dev.raftkv.kv.AuthResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * etcd's simple tokens: 16 random letters, a dot and the index of the Authenticate entry that
 * issued it, kept in memory on every member (each applies the entry), so any member accepts it. A
 * token lives {@code --auth-token-ttl} after its last use; deleting the user, changing its password
 * or disabling auth invalidates it. Not signed: anyone who sees one can use it (etcd says so too).
 * Thread-safe; time comes from the injected clock.
 */
final class SimpleTokens implements TokenProvider {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  private record Entry(String user, long deadline) {}

  private final Map<String, Entry> tokens = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final LongSupplier nanos;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param ttl how long a token lives after its last use
   * @param nanos a monotonic clock in nanoseconds
   */
  SimpleTokens(Duration ttl, LongSupplier nanos) {
    this.ttlNanos = ttl.toNanos();
    this.nanos = nanos;
  }

  @Override
  public String newPrefix() {
    StringBuilder sb = new StringBuilder(16);
    for (int i = 0; i < 16; i++) {
      sb.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return sb.toString();
  }

  @Override
  public String assign(AuthResponse applied) {
    return applied.token();
  }

  /** The token's user at {@code currentRevision}; its life starts again (etcd's reset on use). */
  @Override
  public AuthInfo info(String token, long currentRevision) {
    long now = nanos.getAsLong();
    Entry e = tokens.get(token);
    if (e == null) {
      return null;
    }
    if (e.deadline() - now <= 0) {
      tokens.remove(token, e);
      return null;
    }
    tokens.replace(token, e, new Entry(e.user(), now + ttlNanos));
    return new AuthInfo(e.user(), currentRevision);
  }

  /** A simple token names the index of the entry that issued it, after its last dot. */
  @Override
  public boolean mayBeIssuedAfter(String token, long appliedIndex) {
    int dot = token.lastIndexOf('.');
    if (dot < 0) {
      return false;
    }
    try {
      return Long.parseLong(token.substring(dot + 1)) > appliedIndex;
    } catch (NumberFormatException notOurs) {
      return false;
    }
  }

  @Override
  public void applied(AuthResponse change) {
    switch (change.tokens()) {
      case ISSUED -> {
        if (change.token() != null && !change.token().isEmpty()) {
          tokens.put(change.token(), new Entry(change.user(), nanos.getAsLong() + ttlNanos));
        }
      }
      case REVOKE_USER -> tokens.values().removeIf(e -> e.user().equals(change.user()));
      case REVOKE_ALL -> tokens.clear();
      case KEEP -> {
        // nothing to do
      }
    }
  }

  /** Forgets the tokens past their deadline (they are refused anyway; this frees them). */
  void sweep() {
    long now = nanos.getAsLong();
    tokens.values().removeIf(e -> e.deadline() - now <= 0);
  }

  /** How many tokens are kept now. */
  int size() {
    return tokens.size();
  }
}

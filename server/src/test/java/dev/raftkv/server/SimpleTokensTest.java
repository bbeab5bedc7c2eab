package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.AuthResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** etcd's simple tokens on a fake clock: issue, TTL extended on use, expiry, invalidation. */
class SimpleTokensTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final SimpleTokens tokens = new SimpleTokens(Duration.ofSeconds(10), now::get);

  private void issue(String token, String user) {
    tokens.applied(new AuthResponse(1, 5, user, token, AuthResponse.Tokens.ISSUED));
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void aPrefixIsSixteenLetters() {
    assertThat(tokens.newPrefix()).matches("[a-zA-Z]{16}");
    assertThat(tokens.newPrefix()).isNotEqualTo(tokens.newPrefix());
  }

  @Test
  void anIssuedTokenNamesItsUserAtTheCurrentRevision() {
    issue("abc.7", "alice");
    assertThat(tokens.info("abc.7", 9)).isEqualTo(new AuthInfo("alice", 9));
    assertThat(tokens.info("abc.8", 9)).isNull();
  }

  @Test
  void aTokenExpiresAfterItsTtlUnlessUsed() {
    issue("t.1", "alice");
    issue("t.2", "bob");
    advance(Duration.ofSeconds(6));
    assertThat(tokens.info("t.1", 1)).isNotNull(); // used: lives 10 s from now
    advance(Duration.ofSeconds(6));
    assertThat(tokens.info("t.1", 1)).isNotNull();
    assertThat(tokens.info("t.2", 1)).isNull(); // 12 s unused
    advance(Duration.ofSeconds(10));
    assertThat(tokens.info("t.1", 1)).isNull();
  }

  @Test
  void sweepForgetsExpiredTokens() {
    issue("t.1", "alice");
    advance(Duration.ofSeconds(11));
    tokens.sweep();
    assertThat(tokens.size()).isZero();
  }

  @Test
  void aUsersTokensGoWithItsPasswordAndAllGoWhenAuthIsDisabled() {
    issue("t.1", "alice");
    issue("t.2", "alice");
    issue("t.3", "bob");
    tokens.applied(new AuthResponse(1, 6, "alice", null, AuthResponse.Tokens.REVOKE_USER));
    assertThat(tokens.info("t.1", 6)).isNull();
    assertThat(tokens.info("t.2", 6)).isNull();
    assertThat(tokens.info("t.3", 6)).isNotNull();
    tokens.applied(new AuthResponse(1, 7, null, null, AuthResponse.Tokens.REVOKE_ALL));
    assertThat(tokens.info("t.3", 7)).isNull();
  }

  @Test
  void anEmptyTokenIsNotKept() {
    issue("", "alice");
    assertThat(tokens.size()).isZero();
  }

  @Test
  void aTokenNamesTheIndexThatIssuedIt() {
    assertThat(tokens.mayBeIssuedAfter("abc.12", 11)).isTrue();
    assertThat(tokens.mayBeIssuedAfter("abc.12", 12)).isFalse();
    assertThat(tokens.mayBeIssuedAfter("no-index", 1)).isFalse();
    assertThat(tokens.mayBeIssuedAfter("abc.x", 1)).isFalse();
  }
}

package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** bcrypt hashes: round trip, etcd's $2a$ form with the cost asked for, what does not match. */
class PasswordsTest {
  private final Passwords passwords = new Passwords(4);

  @Test
  void aHashMatchesItsPasswordOnly() {
    String h = passwords.hash("s3cret");
    assertThat(h).startsWith("$2a$04$").hasSize(60);
    assertThat(Passwords.matches(h, "s3cret")).isTrue();
    assertThat(Passwords.matches(h, "s3cret ")).isFalse();
    assertThat(Passwords.matches(h, "")).isFalse();
  }

  @Test
  void eachHashHasItsOwnSalt() {
    assertThat(passwords.hash("pw")).isNotEqualTo(passwords.hash("pw"));
  }

  @Test
  void etcdsDefaultCostIsTen() {
    assertThat(new Passwords(AuthConfig.DEFAULT_BCRYPT_COST).hash("pw")).startsWith("$2a$10$");
  }

  @Test
  void aHashWrittenByAnotherBcryptMatches() {
    // crypt_blowfish's (Openwall) test vector in the $2a$ form Go's bcrypt writes too
    String h = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    assertThat(Passwords.matches(h, "U*U")).isTrue();
    assertThat(Passwords.matches(h, "U*V")).isFalse();
  }

  @Test
  void noHashOrAMalformedOneNeverMatches() {
    assertThat(Passwords.matches(null, "pw")).isFalse();
    assertThat(Passwords.matches("not bcrypt", "pw")).isFalse();
  }

  @Test
  void bcryptTakesAtMostSeventyTwoBytes() {
    assertThatThrownBy(() -> passwords.hash("x".repeat(73)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("72 bytes");
  }
}

package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** etcd's --auth-token, --auth-token-ttl and --bcrypt-cost as raftkv parses them. */
class AuthConfigTest {
  @Test
  void simpleIsTheDefault() {
    AuthConfig c = AuthConfig.parse("simple", 300, 10);
    assertThat(c).isEqualTo(AuthConfig.DEFAULTS);
    assertThat(AuthConfig.parse("simple", 2, 4).simpleTtl()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void jwtTakesEtcdsOptions() {
    AuthConfig c =
        AuthConfig.parse(
            "jwt,pub-key=/k/pub.pem,priv-key=/k/priv.pem,sign-method=RS256,ttl=10m", 300, 10);
    assertThat(c.tokenType()).isEqualTo("jwt");
    assertThat(c.jwtPublicKey()).isEqualTo(Path.of("/k/pub.pem"));
    assertThat(c.jwtPrivateKey()).isEqualTo(Path.of("/k/priv.pem"));
    assertThat(c.jwtSignMethod()).isEqualTo("RS256");
    assertThat(c.jwtTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(AuthConfig.parse("jwt,pub-key=p,sign-method=ES256", 300, 10).jwtTtl())
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void mistakesNameTheFlag() {
    assertThatThrownBy(() -> AuthConfig.parse("oauth", 300, 10))
        .hasMessageContaining("--auth-token");
    assertThatThrownBy(() -> AuthConfig.parse("jwt,sign-method=RS256", 300, 10))
        .hasMessageContaining("pub-key");
    assertThatThrownBy(() -> AuthConfig.parse("jwt,pub-key=p,sign-method=HS1", 300, 10))
        .hasMessageContaining("sign-method");
    assertThatThrownBy(() -> AuthConfig.parse("jwt,pub-key=p,sign-method=RS256,ttl=x", 300, 10))
        .hasMessageContaining("ttl");
    assertThatThrownBy(() -> AuthConfig.parse("jwt,pub-key", 300, 10))
        .hasMessageContaining("key=value");
    assertThatThrownBy(() -> AuthConfig.parse("simple", 0, 10))
        .hasMessageContaining("--auth-token-ttl");
    assertThatThrownBy(() -> AuthConfig.parse("simple", 300, 3))
        .hasMessageContaining("--bcrypt-cost");
  }
}

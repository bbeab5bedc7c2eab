package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.raftkv.kv.AuthResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's JWT tokens: claims, verification by the public key, expiry on a fixed clock. */
class JwtTokensTest {
  @TempDir Path dir;

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  private AuthConfig keys(String algorithm, String method, boolean withPrivate) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    g.initialize(algorithm.equals("RSA") ? 2048 : 256);
    KeyPair kp = g.generateKeyPair();
    Path pub =
        Files.writeString(
            dir.resolve(method + ".pub"), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
    Path priv =
        Files.writeString(
            dir.resolve(method + ".key"), pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
    return AuthConfig.parse(
        "jwt,pub-key="
            + pub
            + (withPrivate ? ",priv-key=" + priv : "")
            + ",sign-method="
            + method
            + ",ttl=5m",
        300,
        4);
  }

  private static Clock at(Instant t) {
    return Clock.fixed(t, ZoneOffset.UTC);
  }

  private static AuthResponse authenticated(String user, long authRevision) {
    return new AuthResponse(3, authRevision, user, "", AuthResponse.Tokens.ISSUED);
  }

  @Test
  void aTokenCarriesEtcdsClaimsAndIsAcceptedUntilItExpires() throws Exception {
    AuthConfig config = keys("RSA", "RS256", true);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    String token = JwtTokens.open(config, at(t0)).assign(authenticated("alice", 7));
    DecodedJWT jwt = JWT.decode(token);
    assertThat(jwt.getAlgorithm()).isEqualTo("RS256");
    assertThat(jwt.getClaim("username").asString()).isEqualTo("alice");
    assertThat(jwt.getClaim("revision").asLong()).isEqualTo(7);
    assertThat(jwt.getExpiresAtAsInstant()).isEqualTo(t0.plus(Duration.ofMinutes(5)));
    // any member with the public key accepts it; the revision is the one it was issued at
    assertThat(JwtTokens.open(config, at(t0.plusSeconds(299))).info(token, 99))
        .isEqualTo(new AuthInfo("alice", 7));
    assertThat(JwtTokens.open(config, at(t0.plusSeconds(300))).info(token, 99)).isNull();
  }

  @Test
  void ecdsaWorksAndAnotherKeysTokenIsRefused() throws Exception {
    AuthConfig mine = keys("EC", "ES256", true);
    Instant t0 = Instant.now();
    String token = JwtTokens.open(mine, at(t0)).assign(authenticated("bob", 2));
    assertThat(JwtTokens.open(mine, at(t0)).info(token, 2)).isEqualTo(new AuthInfo("bob", 2));
    AuthConfig other = keys("EC", "ES256", true);
    assertThat(JwtTokens.open(other, at(t0)).info(token, 2)).isNull();
    assertThat(JwtTokens.open(mine, at(t0)).info("not.a.jwt", 2)).isNull();
  }

  @Test
  void aMemberWithoutThePrivateKeyVerifiesButCannotSign() throws Exception {
    AuthConfig verifyOnly = keys("RSA", "RS256", false);
    assertThatThrownBy(
            () -> JwtTokens.open(verifyOnly, Clock.systemUTC()).assign(authenticated("a", 1)))
        .hasMessageContaining("priv-key");
  }

  @Test
  void aBadKeyFileIsNamed() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "hello");
    AuthConfig c = AuthConfig.parse("jwt,pub-key=" + junk + ",sign-method=RS256", 300, 4);
    assertThatThrownBy(() -> JwtTokens.open(c, Clock.systemUTC())).hasMessageContaining("junk.pem");
  }
}

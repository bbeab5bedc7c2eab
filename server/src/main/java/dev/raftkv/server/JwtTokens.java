package dev.raftkv.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.JWTVerifier;
import dev.raftkv.kv.AuthResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * etcd's JWT tokens ({@code --auth-token jwt,pub-key=...,priv-key=...,sign-method=RS256}): signed
 * by the member that answered Authenticate with claims {@code username}, {@code revision} (the auth
 * revision at issue) and {@code exp}; any member with the public key accepts them until they
 * expire. Nothing is kept per token, so deleting a user does not revoke its JWTs (as in etcd); a
 * JWT from before an auth change is refused for writes with "revision of auth store is old". Keys
 * are PEM files: the public key as X.509 {@code PUBLIC KEY}, the private key as PKCS#8 {@code
 * PRIVATE KEY} or (RSA) PKCS#1 {@code RSA PRIVATE KEY}.
 */
final class JwtTokens implements TokenProvider {
  private final Algorithm algorithm;
  private final JWTVerifier verifier;
  private final boolean canSign;
  private final Duration ttl;
  private final Clock clock;

  private JwtTokens(Algorithm algorithm, boolean canSign, Duration ttl, Clock clock) {
    this.algorithm = algorithm;
    this.canSign = canSign;
    this.ttl = ttl;
    this.clock = clock;
    // expiry is judged on the injected clock, not the system's
    this.verifier =
        ((com.auth0.jwt.JWTVerifier.BaseVerification)
                JWT.require(algorithm).withClaimPresence("username"))
            .build(clock);
  }

  /**
   * The provider {@code config} names, its keys read from their files.
   *
   * @throws IllegalArgumentException naming the key file that is unreadable or of the wrong kind
   */
  static JwtTokens open(AuthConfig config, Clock clock) {
    String method = config.jwtSignMethod();
    boolean rsa = method.startsWith("RS");
    PublicKey pub = readPublic(config.jwtPublicKey(), rsa ? "RSA" : "EC");
    PrivateKey priv =
        config.jwtPrivateKey() == null
            ? null
            : readPrivate(config.jwtPrivateKey(), rsa ? "RSA" : "EC");
    Algorithm a;
    try {
      a =
          switch (method) {
            case "RS256" -> Algorithm.RSA256((RSAPublicKey) pub, (RSAPrivateKey) priv);
            case "RS384" -> Algorithm.RSA384((RSAPublicKey) pub, (RSAPrivateKey) priv);
            case "RS512" -> Algorithm.RSA512((RSAPublicKey) pub, (RSAPrivateKey) priv);
            case "ES256" -> Algorithm.ECDSA256((ECPublicKey) pub, (ECPrivateKey) priv);
            case "ES384" -> Algorithm.ECDSA384((ECPublicKey) pub, (ECPrivateKey) priv);
            default -> Algorithm.ECDSA512((ECPublicKey) pub, (ECPrivateKey) priv);
          };
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(
          "--auth-token jwt: the keys do not fit sign-method " + method, e);
    }
    return new JwtTokens(a, priv != null, config.jwtTtl(), clock);
  }

  @Override
  public String newPrefix() {
    return "";
  }

  @Override
  public String assign(AuthResponse applied) {
    if (!canSign) {
      throw io.grpc.Status.UNAVAILABLE
          .withDescription("etcdserver: this member has no JWT private key (priv-key) to sign with")
          .asRuntimeException();
    }
    return JWT.create()
        .withClaim("username", applied.user())
        .withClaim("revision", applied.authRevision())
        .withExpiresAt(clock.instant().plus(ttl))
        .sign(algorithm);
  }

  @Override
  public AuthInfo info(String token, long currentRevision) {
    try {
      DecodedJWT jwt = verifier.verify(token);
      if (jwt.getExpiresAtAsInstant() != null
          && !jwt.getExpiresAtAsInstant().isAfter(clock.instant())) {
        return null;
      }
      Long revision = jwt.getClaim("revision").asLong();
      String user = jwt.getClaim("username").asString();
      return user == null || revision == null ? null : new AuthInfo(user, revision);
    } catch (JWTVerificationException invalid) {
      return null;
    }
  }

  @Override
  public void applied(AuthResponse change) {
    // nothing is kept per token
  }

  private static byte[] pem(Path file, String... labels) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("--auth-token jwt: cannot read " + file + ": " + e, e);
    }
    for (String label : labels) {
      String begin = "-----BEGIN " + label + "-----";
      int from = text.indexOf(begin);
      if (from >= 0) {
        int to = text.indexOf("-----END " + label + "-----", from);
        if (to > 0) {
          return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        }
      }
    }
    throw new IllegalArgumentException(
        "--auth-token jwt: " + file + " holds no PEM block of " + String.join(" or ", labels));
  }

  private static PublicKey readPublic(Path file, String kind) {
    try {
      return KeyFactory.getInstance(kind)
          .generatePublic(new X509EncodedKeySpec(pem(file, "PUBLIC KEY")));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "--auth-token jwt: " + file + " is not a " + kind + " public key: " + e, e);
    }
  }

  private static PrivateKey readPrivate(Path file, String kind) {
    try {
      KeyFactory f = KeyFactory.getInstance(kind);
      if (kind.equals("RSA")
          && Files.readString(file, StandardCharsets.US_ASCII).contains("BEGIN RSA PRIVATE KEY")) {
        org.bouncycastle.asn1.pkcs.RSAPrivateKey k =
            org.bouncycastle.asn1.pkcs.RSAPrivateKey.getInstance(pem(file, "RSA PRIVATE KEY"));
        return f.generatePrivate(
            new RSAPrivateCrtKeySpec(
                k.getModulus(),
                k.getPublicExponent(),
                k.getPrivateExponent(),
                k.getPrime1(),
                k.getPrime2(),
                k.getExponent1(),
                k.getExponent2(),
                k.getCoefficient()));
      }
      return f.generatePrivate(new PKCS8EncodedKeySpec(pem(file, "PRIVATE KEY")));
    } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--auth-token jwt: " + file + " is not a " + kind + " private key: " + e, e);
    }
  }
}

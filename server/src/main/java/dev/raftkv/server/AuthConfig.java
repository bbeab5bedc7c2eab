package dev.raftkv.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a member issues and checks auth tokens and hashes passwords, from etcd's flags: {@code
 * --auth-token} ({@code simple}, the default, or {@code
 * jwt,pub-key=PATH,priv-key=PATH,sign-method=RS256[,ttl=5m]}), {@code --auth-token-ttl} (the simple
 * tokens' TTL in seconds, default 300) and {@code --bcrypt-cost} (default 10, bcrypt's range
 * 4..31).
 *
 * @param tokenType {@code simple} or {@code jwt}
 * @param simpleTtl how long a simple token lives after its last use
 * @param jwtPublicKey the PEM public key JWTs are verified with (jwt only)
 * @param jwtPrivateKey the PEM private key JWTs are signed with (jwt only; null: verify only)
 * @param jwtSignMethod RS256, RS384, RS512, ES256, ES384 or ES512 (jwt only)
 * @param jwtTtl how long a JWT is valid after it is issued
 * @param bcryptCost the bcrypt cost of new password hashes
 */
public record AuthConfig(
    String tokenType,
    Duration simpleTtl,
    Path jwtPublicKey,
    Path jwtPrivateKey,
    String jwtSignMethod,
    Duration jwtTtl,
    int bcryptCost) {
  /** etcd's default simple token TTL ({@code --auth-token-ttl}). */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  /** etcd's default JWT TTL. */
  public static final Duration DEFAULT_JWT_TTL = Duration.ofMinutes(5);

  /** etcd's bcrypt cost (Go's bcrypt.DefaultCost). */
  public static final int DEFAULT_BCRYPT_COST = 10;

  /** Simple tokens, 300 s, bcrypt cost 10: etcd's defaults. */
  public static final AuthConfig DEFAULTS =
      new AuthConfig("simple", DEFAULT_TTL, null, null, null, DEFAULT_JWT_TTL, DEFAULT_BCRYPT_COST);

  /**
   * @throws IllegalArgumentException naming the flag that is wrong
   */
  public AuthConfig {
    Objects.requireNonNull(tokenType, "tokenType");
    if (!tokenType.equals("simple") && !tokenType.equals("jwt")) {
      throw new IllegalArgumentException(
          "--auth-token: unknown token type '" + tokenType + "' (simple or jwt)");
    }
    if (simpleTtl == null || simpleTtl.isNegative() || simpleTtl.isZero()) {
      throw new IllegalArgumentException("--auth-token-ttl must be positive, got " + simpleTtl);
    }
    if (bcryptCost < 4 || bcryptCost > 31) {
      throw new IllegalArgumentException(
          "--bcrypt-cost must be within 4..31 (bcrypt's range), got " + bcryptCost);
    }
    if (tokenType.equals("jwt")) {
      if (jwtPublicKey == null) {
        throw new IllegalArgumentException("--auth-token jwt needs pub-key=PATH");
      }
      if (jwtSignMethod == null || !jwtSignMethod.matches("(RS|ES)(256|384|512)")) {
        throw new IllegalArgumentException(
            "--auth-token jwt: sign-method must be one of RS256, RS384, RS512, ES256, ES384,"
                + " ES512, got "
                + jwtSignMethod);
      }
      if (jwtTtl == null || jwtTtl.isNegative() || jwtTtl.isZero()) {
        throw new IllegalArgumentException("--auth-token jwt: ttl must be positive");
      }
    }
  }

  /**
   * Parses etcd's flags.
   *
   * @param authToken {@code --auth-token}'s value
   * @param ttlSeconds {@code --auth-token-ttl}
   * @param bcryptCost {@code --bcrypt-cost}
   * @throws IllegalArgumentException naming the flag and the bad part
   */
  public static AuthConfig parse(String authToken, long ttlSeconds, int bcryptCost) {
    String[] parts = authToken.split(",");
    String type = parts[0].trim();
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", -1);
      if (kv.length != 2 || kv[0].isBlank()) {
        throw new IllegalArgumentException(
            "--auth-token: '" + parts[i] + "' is not of the form key=value");
      }
      if (opts.put(kv[0].trim(), kv[1].trim()) != null) {
        throw new IllegalArgumentException("--auth-token: '" + kv[0] + "' appears twice");
      }
    }
    Duration jwtTtl = DEFAULT_JWT_TTL;
    if (opts.containsKey("ttl")) {
      jwtTtl = parseDuration(opts.remove("ttl"));
    }
    String pub = opts.remove("pub-key");
    String priv = opts.remove("priv-key");
    String method = opts.remove("sign-method");
    if (type.equals("simple") && (pub != null || priv != null || method != null)) {
      throw new IllegalArgumentException("--auth-token simple takes no options");
    }
    if (!opts.isEmpty()) {
      throw new IllegalArgumentException("--auth-token: unknown options " + opts.keySet());
    }
    return new AuthConfig(
        type,
        Duration.ofSeconds(ttlSeconds),
        pub == null ? null : Path.of(pub),
        priv == null ? null : Path.of(priv),
        method,
        jwtTtl,
        bcryptCost);
  }

  /** A Go-style duration: {@code 300ms}, {@code 10s}, {@code 5m}, {@code 1h}. */
  static Duration parseDuration(String s) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--auth-token: ttl '" + s + "' is not a duration like 5m, 300s or 1h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}

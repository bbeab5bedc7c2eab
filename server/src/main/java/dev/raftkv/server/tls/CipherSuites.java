package dev.raftkv.server.tls;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's {@code --cipher-suites}: a comma-separated list of Go's TLS 1.2 cipher-suite names (etcd's
 * {@code pkg/tlsutil}), mapped to the JDK's names. Go's names are the IANA ones except the ChaCha20
 * suites, which Go names without {@code _SHA256}.
 *
 * <p>As in Go, the list restricts TLS 1.2 only: TLS 1.3's suites are not configurable there, so
 * {@link #parse} appends the JDK's TLS 1.3 suites to the list it returns.
 */
public final class CipherSuites {
  private CipherSuites() {}

  /** TLS 1.3's suites, always enabled (Go does not let etcd configure them either). */
  public static final List<String> TLS13 =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  /** The minimum TLS version and the one above it: TLS 1.2 and 1.3, as etcd 3.4. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** Go's name to the JDK's, for every suite etcd 3.4 accepts. */
  private static final Map<String, String> GO_TO_JAVA = new LinkedHashMap<>();

  static {
    for (String same :
        List.of(
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")) {
      GO_TO_JAVA.put(same, same);
    }
    GO_TO_JAVA.put(
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    GO_TO_JAVA.put(
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    // Go knows these, but they are broken (RC4, 3DES) and the JDK has them disabled or removed.
    for (String broken :
        List.of(
            "TLS_RSA_WITH_RC4_128_SHA",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
            "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA")) {
      GO_TO_JAVA.put(broken, null);
    }
  }

  /**
   * The JDK names of the suites in {@code value} (etcd's comma-separated Go names; blanks ignored)
   * followed by {@link #TLS13}; null for a null or blank value (the JDK's defaults).
   *
   * @throws IllegalArgumentException naming {@code --cipher-suites} and the unknown or unsupported
   *     suite
   */
  public static List<String> parse(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      String name = part.strip();
      if (name.isEmpty()) {
        continue;
      }
      if (!GO_TO_JAVA.containsKey(name)) {
        throw new IllegalArgumentException(
            "--cipher-suites: unknown cipher suite '"
                + name
                + "' (etcd's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
      }
      String java = GO_TO_JAVA.get(name);
      if (java == null) {
        throw new IllegalArgumentException(
            "--cipher-suites: cipher suite '" + name + "' is insecure and not supported by raftkv");
      }
      if (!out.contains(java)) {
        out.add(java);
      }
    }
    if (out.isEmpty()) {
      return null;
    }
    out.addAll(TLS13);
    return List.copyOf(out);
  }
}

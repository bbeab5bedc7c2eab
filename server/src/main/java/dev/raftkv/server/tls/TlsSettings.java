package dev.raftkv.server.tls;

import java.util.List;
import java.util.Objects;

/**
 * A member's TLS flags: the client side's files, the peer side's, and the cipher suites of both.
 *
 * @param client {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file}, {@code
 *     --client-cert-auth}, {@code --auto-tls}
 * @param peer the same flags with {@code --peer-}
 * @param cipherSuites the JDK names of {@code --cipher-suites} ({@link CipherSuites#parse}), or
 *     null for the JDK's defaults
 */
public record TlsSettings(TlsFiles client, TlsFiles peer, List<String> cipherSuites) {

  /** No TLS flags. */
  public static final TlsSettings NONE = new TlsSettings(TlsFiles.NONE, TlsFiles.NONE, null);

  public TlsSettings {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(peer, "peer");
    cipherSuites = cipherSuites == null ? null : List.copyOf(cipherSuites);
  }
}

package dev.raftkv.server.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * etcd's {@code --auto-tls} and {@code --peer-auto-tls}: when the side's certificate and key are
 * not given, a self-signed certificate for the listen URLs' hosts is made in {@code
 * <data-dir>/fixtures/client} or {@code <data-dir>/fixtures/peer} ({@code cert.pem}, {@code
 * key.pem}), and reused from there on later starts, as etcd does. Given files win (etcd ignores
 * auto-TLS then too).
 */
public final class AutoTls {
  private AutoTls() {}

  /** The certificate file's name in the fixtures directory. */
  public static final String CERT = "cert.pem";

  /** The key file's name in the fixtures directory. */
  public static final String KEY = "key.pem";

  /**
   * {@code files} with auto-TLS resolved. Files that name a certificate come back with {@code
   * autoTls} off (given certificates win, as in etcd); files that ask for auto-TLS and name none
   * come back with the certificate in {@code dataDir/fixtures/<side>}, made for {@code hosts} if
   * not there yet, and {@code autoTls} on: the certificate is self-signed.
   *
   * @param side "client" or "peer"
   */
  public static TlsFiles resolve(TlsFiles files, Path dataDir, String side, List<String> hosts)
      throws IOException {
    if (files.hasCertificate()) {
      return files.autoTls()
          ? new TlsFiles(
              files.certFile(),
              files.keyFile(),
              files.trustedCaFile(),
              files.clientCertAuth(),
              false)
          : files;
    }
    if (!files.autoTls()) {
      return files;
    }
    Path dir = dataDir.resolve("fixtures").resolve(side);
    Path cert = dir.resolve(CERT);
    Path key = dir.resolve(KEY);
    if (!Files.exists(cert) || !Files.exists(key)) {
      Files.createDirectories(dir);
      Pki.selfSigned("raftkv " + side + " auto-tls", hosts).write(cert, key);
    }
    return files.withCertificate(cert, key);
  }
}

package dev.raftkv.server.tls;

import java.nio.file.Path;

/**
 * One side's TLS files and switches, as etcd's flags give them (etcd's {@code TLSInfo}): for the
 * client side {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file}, {@code
 * --client-cert-auth}, {@code --auto-tls}; for the peer side the same with {@code --peer-}.
 *
 * @param certFile the PEM certificate (chain) this member presents, or null
 * @param keyFile the PEM private key of {@code certFile} (PKCS#8, PKCS#1 or SEC1), or null
 * @param trustedCaFile the PEM CA certificates that sign the other side's certificates, or null:
 *     the JVM's default trust store then (as etcd falls back to the system roots)
 * @param clientCertAuth whether the other side must present a certificate signed by {@code
 *     trustedCaFile} (refused at the TLS handshake otherwise)
 * @param autoTls whether to generate a self-signed certificate when {@code certFile} and {@code
 *     keyFile} are not given (see {@link AutoTls}); connections this member makes then do not
 *     verify the other side's certificate, as etcd's do not
 */
public record TlsFiles(
    Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth, boolean autoTls) {

  /** No TLS files or switches. */
  public static final TlsFiles NONE = new TlsFiles(null, null, null, false, false);

  /** Whether both a certificate and its key are given. */
  public boolean hasCertificate() {
    return certFile != null && keyFile != null;
  }

  /** Whether this side can serve TLS: a certificate and key, or {@code autoTls}. */
  public boolean canServe() {
    return hasCertificate() || autoTls;
  }

  /** These files with {@code certFile} and {@code keyFile} replaced (what auto-TLS generated). */
  public TlsFiles withCertificate(Path certFile, Path keyFile) {
    return new TlsFiles(certFile, keyFile, trustedCaFile, clientCertAuth, autoTls);
  }
}

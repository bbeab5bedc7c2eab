package dev.raftkv.server;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The common name of a client's verified TLS certificate: etcd's CN authentication takes it as the
 * user name when a call carries no token.
 */
final class ClientCertificates {
  private ClientCertificates() {}

  /**
   * The CN of the peer's (leaf) certificate in {@code session}, or null: no session (plaintext), no
   * verified client certificate, or none with a CN.
   */
  static String commonName(SSLSession session) {
    if (session == null) {
      return null;
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException noClientCertificate) {
      return null;
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return null;
    }
    return commonName(leaf);
  }

  /** The CN of {@code cert}'s subject (the last one when there are several), or null. */
  static String commonName(X509Certificate cert) {
    try {
      String cn = null;
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = rdn.getValue().toString();
        }
      }
      return cn == null || cn.isEmpty() ? null : cn;
    } catch (InvalidNameException e) {
      return null;
    }
  }
}

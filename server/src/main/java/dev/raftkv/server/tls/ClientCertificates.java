package dev.raftkv.server.tls;

import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The verified client certificate of a gRPC call on the client port: what etcd's CN authentication
 * takes as the user name (with {@code --client-cert-auth}, a request without a token is made as the
 * user the certificate's common name names).
 *
 * <p>Reads the call's TLS session ({@link Grpc#TRANSPORT_ATTR_SSL_SESSION}); costs nothing unless
 * called. The certificate was verified against {@code --trusted-ca-file} during the handshake; a
 * call over plaintext, or over TLS without a client certificate, has none.
 */
public final class ClientCertificates {
  private ClientCertificates() {}

  /** The common name (CN) of {@code call}'s client certificate, if it has one. */
  public static Optional<String> commonName(ServerCall<?, ?> call) {
    return certificate(call).flatMap(c -> commonName(c));
  }

  /** The verified client certificate of {@code call} (the leaf), if any. */
  public static Optional<X509Certificate> certificate(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    return session == null ? Optional.empty() : certificate(session);
  }

  /**
   * The common name of the certificate the other side of {@code session} presented, if there is a
   * session (null: plaintext), a certificate and a non-empty CN in it.
   */
  public static Optional<String> commonName(SSLSession session) {
    return session == null ? Optional.empty() : certificate(session).flatMap(c -> commonName(c));
  }

  /** The other side's certificate in {@code session} (the leaf), if it presented one. */
  public static Optional<X509Certificate> certificate(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x
          ? Optional.of(x)
          : Optional.empty();
    } catch (SSLPeerUnverifiedException none) {
      return Optional.empty();
    }
  }

  /**
   * The common name of {@code certificate}'s subject (the last CN when there are several); empty
   * when it has none or an empty one.
   */
  public static Optional<String> commonName(X509Certificate certificate) {
    try {
      String cn = null;
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = String.valueOf(rdn.getValue());
        }
      }
      return cn == null || cn.isEmpty() ? Optional.empty() : Optional.of(cn);
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
  }
}

package dev.raftkv.server.tls;

import dev.raftkv.transport.PeerTls;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * One side's TLS material, loaded once at start: this member's key and certificate chain, the CA
 * certificates it trusts, and etcd 3.4's rules for them, and the contexts built from it: the gRPC
 * client port's ({@link #grpcServer}), the peer transport's ({@link #peer}) and the admin
 * endpoint's ({@link #jdkServer}). TLS 1.2 is the minimum ({@link CipherSuites#PROTOCOLS}).
 *
 * <p>The other side's certificate, as in etcd: with {@code client-cert-auth} it must present one
 * signed by the trusted CA (the JVM's trust store without {@code trusted-ca-file}), or the
 * handshake fails; without it, a trusted CA file makes a presented certificate checked, and none is
 * asked for otherwise. Connections this member opens (peer links) verify the other member's
 * certificate and host name against the trusted CA, except with auto-TLS, whose self-signed
 * certificates cannot be verified (etcd skips the check there too).
 */
public final class ServerTls {
  private final String side; // "" or "peer-": the flags' prefix, for messages
  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> trusted; // empty: the JVM's default trust store
  private final boolean clientCertAuth;
  private final boolean skipVerify; // auto-TLS: connections this member opens trust anyone
  private final List<String> cipherSuites; // JDK names; null: the defaults

  private ServerTls(
      String side,
      PrivateKey key,
      List<X509Certificate> chain,
      List<X509Certificate> trusted,
      boolean clientCertAuth,
      boolean skipVerify,
      List<String> cipherSuites) {
    this.side = side;
    this.key = key;
    this.chain = chain;
    this.trusted = trusted;
    this.clientCertAuth = clientCertAuth;
    this.skipVerify = skipVerify;
    this.cipherSuites = cipherSuites;
  }

  /**
   * Loads {@code files}, which must name a certificate and key, as {@link AutoTls#resolve} returns
   * them: {@code autoTls} then says the certificate was generated (self-signed), so connections
   * this member opens do not verify the other side's.
   *
   * @param peer whether these are the peer side's files (for the flag names in errors)
   * @param cipherSuites JDK suite names ({@link CipherSuites#parse}), or null for the defaults
   * @throws IllegalArgumentException naming the flag and file that cannot be read
   */
  public static ServerTls load(TlsFiles files, boolean peer, List<String> cipherSuites) {
    String side = peer ? "peer-" : "";
    if (!files.hasCertificate()) {
      throw new IllegalArgumentException(
          "--" + side + "cert-file and --" + side + "key-file must both be set");
    }
    List<X509Certificate> chain =
        PemFiles.readCertificates("--" + side + "cert-file", files.certFile());
    PrivateKey key = PemFiles.readPrivateKey("--" + side + "key-file", files.keyFile());
    List<X509Certificate> trusted =
        files.trustedCaFile() == null
            ? List.of()
            : PemFiles.readCertificates("--" + side + "trusted-ca-file", files.trustedCaFile());
    boolean generated = files.autoTls(); // see AutoTls#resolve
    return new ServerTls(
        side,
        key,
        List.copyOf(chain),
        List.copyOf(trusted),
        files.clientCertAuth(),
        generated,
        cipherSuites);
  }

  /**
   * The client port's context (gRPC's shaded Netty; OpenSSL when available, else the JDK), with
   * {@code alpn} instead of gRPC's own ALPN list (null: gRPC's), for a port that serves HTTP/1.1
   * besides gRPC.
   */
  public io.grpc.netty.shaded.io.netty.handler.ssl.SslContext grpcServer(
      io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig alpn) {
    var b =
        GrpcSslContexts.configure(
            io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forServer(key, chain));
    if (alpn != null) {
      b.applicationProtocolConfig(alpn);
    }
    if (!trusted.isEmpty()) {
      b.trustManager(trusted);
    }
    b.clientAuth(
        clientCertAuth
            ? io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.REQUIRE
            : trusted.isEmpty()
                ? io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.NONE
                : io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.OPTIONAL);
    b.protocols(CipherSuites.PROTOCOLS);
    if (cipherSuites != null) {
      b.ciphers(cipherSuites);
    }
    try {
      return b.build();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--" + side + "cert-file: cannot make a TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * A gRPC client context with this member's certificate, for the calls a member forwards to the
   * leader's client URL: it presents the certificate (for a leader with {@code client-cert-auth})
   * and verifies the leader's against the trusted CA and host name (not with auto-TLS).
   */
  public io.grpc.netty.shaded.io.netty.handler.ssl.SslContext grpcClient() {
    var b = GrpcSslContexts.forClient().keyManager(key, chain).protocols(CipherSuites.PROTOCOLS);
    if (skipVerify) {
      b.trustManager(
          io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE);
    } else if (!trusted.isEmpty()) {
      b.trustManager(trusted);
    }
    if (cipherSuites != null) {
      b.ciphers(cipherSuites);
    }
    try {
      return b.build();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--" + side + "cert-file: cannot make a TLS context: " + e.getMessage(), e);
    }
  }

  /** The peer transport's contexts (JDK provider, Netty unshaded), both directions. */
  public PeerTls peer() {
    var server = io.netty.handler.ssl.SslContextBuilder.forServer(key, chain);
    var client = io.netty.handler.ssl.SslContextBuilder.forClient().keyManager(key, chain);
    if (!trusted.isEmpty()) {
      server.trustManager(trusted);
    }
    if (skipVerify) {
      client
          .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE)
          .endpointIdentificationAlgorithm(null);
    } else {
      if (!trusted.isEmpty()) {
        client.trustManager(trusted);
      }
      client.endpointIdentificationAlgorithm("HTTPS");
    }
    server.clientAuth(
        clientCertAuth
            ? io.netty.handler.ssl.ClientAuth.REQUIRE
            : trusted.isEmpty()
                ? io.netty.handler.ssl.ClientAuth.NONE
                : io.netty.handler.ssl.ClientAuth.OPTIONAL);
    for (var b : List.of(server, client)) {
      b.sslProvider(io.netty.handler.ssl.SslProvider.JDK).protocols(CipherSuites.PROTOCOLS);
      if (cipherSuites != null) {
        b.ciphers(cipherSuites);
      }
    }
    try {
      return new PeerTls(server.build(), client.build());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--" + side + "cert-file: cannot make a TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * A JDK server context with this member's certificate and the trusted CA (for the admin
   * endpoint's HTTPS); {@link #configure} sets the parameters that go with it.
   */
  public SSLContext jdkServer() {
    try {
      char[] none = new char[0];
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, none);
      keys.setKeyEntry("member", key, none, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, none);
      TrustManagerFactory tmf = null;
      if (!trusted.isEmpty()) {
        KeyStore cas = KeyStore.getInstance("PKCS12");
        cas.load(null, none);
        for (int i = 0; i < trusted.size(); i++) {
          cas.setCertificateEntry("ca-" + i, trusted.get(i));
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(cas);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "--" + side + "cert-file: cannot make a TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * Sets the protocols and cipher suites on {@code params}, and asks for (without requiring) a
   * client certificate when a CA is trusted: the admin endpoint's read-only calls stay open to
   * clients without one, and its mutating calls can look at a certificate when one was given.
   */
  public void configure(SSLParameters params) {
    params.setProtocols(CipherSuites.PROTOCOLS.toArray(new String[0]));
    if (cipherSuites != null) {
      params.setCipherSuites(cipherSuites.toArray(new String[0]));
    }
    params.setWantClientAuth(!trusted.isEmpty() || clientCertAuth);
  }
}

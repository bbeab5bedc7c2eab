package dev.raftkv.cli;

import dev.raftkv.server.tls.PemFiles;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/**
 * etcdctl's TLS flags for the commands that connect to members ({@code --cacert}, {@code --cert},
 * {@code --key}, {@code --insecure-skip-tls-verify}): a connection uses TLS when any of them is
 * given or its endpoint is {@code https://}, as etcdctl's does. Without {@code --cacert} the JVM's
 * trust store verifies the member; the member's host name is checked against its certificate.
 */
final class TlsOptions {
  @Option(
      names = "--cacert",
      paramLabel = "FILE",
      description = "Verify the members' certificates with this PEM CA bundle (connects over TLS).")
  Path cacert;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description = "Present this PEM client certificate (with --key; connects over TLS).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", description = "The PEM key of --cert.")
  Path key;

  @Option(
      names = "--insecure-skip-tls-verify",
      description = "Connect over TLS without verifying the members' certificates.")
  boolean insecureSkipVerify;

  private SslContext context; // built on first use

  /** Whether any TLS flag was given. */
  boolean given() {
    return cacert != null || cert != null || key != null || insecureSkipVerify;
  }

  /** Whether a connection to {@code endpoint} (host:port or a URL) uses TLS. */
  boolean usesTls(String endpoint) {
    return given() || endpoint.strip().startsWith("https://");
  }

  /**
   * A channel builder for {@code endpoint}: plaintext or TLS by {@link #usesTls}.
   *
   * @throws IllegalArgumentException naming the flag whose file is wrong
   */
  NettyChannelBuilder channel(String endpoint) {
    String target = endpoint.strip().replaceFirst("^https?://", "");
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target);
    return usesTls(endpoint) ? b.sslContext(grpcContext()) : b.usePlaintext();
  }

  private synchronized SslContext grpcContext() {
    if (context == null) {
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException("--cert and --key go together");
      }
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (insecureSkipVerify) {
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      } else if (cacert != null) {
        b.trustManager(PemFiles.readCertificates("--cacert", cacert));
      }
      if (cert != null) {
        b.keyManager(
            PemFiles.readPrivateKey("--key", key), PemFiles.readCertificates("--cert", cert));
      }
      try {
        context = b.build();
      } catch (SSLException e) {
        throw new IllegalArgumentException("cannot make a TLS context: " + e.getMessage(), e);
      }
    }
    return context;
  }

  /**
   * A JDK context trusting {@code caFile} (for the admin endpoint's HTTPS).
   *
   * @throws IllegalArgumentException if the file cannot be read
   */
  static SSLContext trusting(Path caFile) {
    List<X509Certificate> cas = PemFiles.readCertificates("CA file", caFile);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, new char[0]);
      for (int i = 0; i < cas.size(); i++) {
        ks.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("cannot trust " + caFile + ": " + e.getMessage(), e);
    }
  }
}

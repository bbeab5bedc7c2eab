package dev.raftkv.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CN of a client certificate, as etcd's CN authentication takes it. */
class CommonNameTest {
  @TempDir Path dir;

  /** A self-signed certificate with {@code dname}, made by the JDK's keytool. */
  private X509Certificate certificate(String dname) throws Exception {
    Path ks = dir.resolve("ks-" + System.nanoTime() + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "c",
                "-keyalg",
                "EC",
                "-dname",
                dname,
                "-keystore",
                ks.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (var in = java.nio.file.Files.newInputStream(ks)) {
      store.load(in, "changeit".toCharArray());
    }
    return (X509Certificate) store.getCertificate("c");
  }

  /** A session whose peer presented {@code chain}, or none (null). */
  private static SSLSession session(X509Certificate... chain) {
    return (SSLSession)
        Proxy.newProxyInstance(
            SSLSession.class.getClassLoader(),
            new Class<?>[] {SSLSession.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getPeerCertificates")) {
                if (chain == null) {
                  throw new SSLPeerUnverifiedException("no client certificate");
                }
                return chain;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  @Test
  void theCnOfTheLeafCertificateIsTheUser() throws Exception {
    X509Certificate alice = certificate("CN=alice, OU=dev, O=raftkv");
    assertThat(ClientCertificates.commonName(alice)).contains("alice");
    assertThat(ClientCertificates.commonName(session(alice))).contains("alice");
  }

  @Test
  void noSessionNoCertificateOrNoCnIsNoUser() throws Exception {
    assertThat(ClientCertificates.commonName((SSLSession) null)).isEmpty();
    assertThat(ClientCertificates.commonName(session((X509Certificate[]) null))).isEmpty();
    assertThat(ClientCertificates.commonName(session())).isEmpty();
    assertThat(ClientCertificates.commonName(certificate("OU=dev, O=raftkv"))).isEmpty();
  }
}

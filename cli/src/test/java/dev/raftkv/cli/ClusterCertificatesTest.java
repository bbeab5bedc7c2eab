package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.server.tls.ClientCertificates;
import dev.raftkv.server.tls.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificates of {@code cluster start --tls}: made once, signed by the CA, kept after. */
class ClusterCertificatesTest {
  @TempDir Path dir;

  @Test
  void aCaMemberCertificatesAndARootClientCertificateAreMadeOnceAndKept() throws Exception {
    ClusterCertificates c = ClusterCertificates.make(dir.resolve("tls"), 3);
    X509Certificate ca = PemFiles.readCertificates("ca", c.ca()).get(0);
    for (String name : new String[] {"n1", "n2", "n3", "client"}) {
      X509Certificate cert = PemFiles.readCertificates(name, c.cert(name)).get(0);
      cert.verify(ca.getPublicKey());
      assertThat(PemFiles.readPrivateKey(name, c.key(name))).isNotNull();
    }
    X509Certificate client = PemFiles.readCertificates("client", c.cert("client")).get(0);
    assertThat(ClientCertificates.commonName(client)).contains("root");
    assertThat(c.serverFlags("n2"))
        .containsSubsequence("--cert-file", c.cert("n2").toString())
        .contains("--client-cert-auth", "--peer-client-cert-auth");
    assertThat(c.clientFlags())
        .isEqualTo(
            "--cacert " + c.ca() + " --cert " + c.cert("client") + " --key " + c.key("client"));

    byte[] before = Files.readAllBytes(c.cert("n1"));
    ClusterCertificates.make(dir.resolve("tls"), 3);
    assertThat(Files.readAllBytes(c.cert("n1"))).isEqualTo(before);
  }
}

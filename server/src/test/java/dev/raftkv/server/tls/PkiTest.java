package dev.raftkv.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiTest {
  @TempDir Path dir;

  @Test
  void aLeafIsSignedByItsCaAndNamesItsHostsAndCommonName() throws Exception {
    Pki.KeyAndCertificate ca = Pki.newCa("test CA");
    Pki.KeyAndCertificate leaf = Pki.issue(ca, "root", List.of("127.0.0.1", "localhost"));
    leaf.certificate().verify(ca.certificate().getPublicKey());
    assertThat(ClientCertificates.commonName(leaf.certificate())).contains("root");
    assertThat(leaf.certificate().getSubjectAlternativeNames())
        .extracting(n -> (Object) n.get(1))
        .containsExactly((Object) "127.0.0.1", "localhost");
    assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(leaf.certificate().getBasicConstraints()).isEqualTo(-1);
  }

  @Test
  void writtenFilesReadBack() throws Exception {
    Pki.KeyAndCertificate self = Pki.selfSigned("me", List.of("localhost"));
    self.write(dir.resolve("c.pem"), dir.resolve("k.pem"));
    assertThat(PemFiles.readCertificates("--cert-file", dir.resolve("c.pem")))
        .containsExactly(self.certificate());
    assertThat(PemFiles.readPrivateKey("--key-file", dir.resolve("k.pem"))).isEqualTo(self.key());
    assertThat(Files.readString(dir.resolve("k.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  /** Keys openssl wrote (throwaway test keys): SEC1 and PKCS#1, not PKCS#8. */
  @Test
  void keysInOpensslsTraditionalFormatsAreRead() throws Exception {
    for (String[] k : new String[][] {{"ec-sec1.key", "EC"}, {"rsa-pkcs1.key", "RSA"}}) {
      Path file = Path.of(getClass().getResource("/tls/" + k[0]).toURI());
      assertThat(Files.readString(file)).startsWith("-----BEGIN " + k[1] + " PRIVATE KEY-----");
      assertThat(PemFiles.readPrivateKey("--key-file", file).getAlgorithm()).isEqualTo(k[1]);
    }
  }

  @Test
  void aFileWithoutAKeyNamesTheFlagAndFile() throws Exception {
    Files.writeString(dir.resolve("empty.pem"), "nothing\n");
    assertThatThrownBy(() -> PemFiles.readPrivateKey("--peer-key-file", dir.resolve("empty.pem")))
        .hasMessageContaining("--peer-key-file")
        .hasMessageContaining("empty.pem");
    assertThatThrownBy(() -> PemFiles.readCertificates("--cert-file", dir.resolve("missing.pem")))
        .hasMessageContaining("--cert-file")
        .hasMessageContaining("missing.pem");
  }
}

package dev.raftkv.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class CipherSuitesTest {
  @Test
  void etcdsGoNamesMapToTheJdksAndTls13StaysOn() throws Exception {
    var suites =
        CipherSuites.parse(
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305");
    assertThat(suites)
        .containsExactly(
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");
    assertThat(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites())
        .contains(suites.toArray(new String[0]));
  }

  @Test
  void noValueMeansTheDefaults() {
    assertThat(CipherSuites.parse(null)).isNull();
    assertThat(CipherSuites.parse(" ")).isNull();
  }

  @Test
  void anUnknownSuiteIsRefusedByName() {
    assertThatThrownBy(() -> CipherSuites.parse("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_NOPE"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--cipher-suites")
        .hasMessageContaining("'TLS_NOPE'");
  }

  @Test
  void brokenSuitesGoKnowsAreRefused() {
    assertThatThrownBy(() -> CipherSuites.parse("TLS_RSA_WITH_RC4_128_SHA"))
        .hasMessageContaining("TLS_RSA_WITH_RC4_128_SHA")
        .hasMessageContaining("insecure");
  }
}

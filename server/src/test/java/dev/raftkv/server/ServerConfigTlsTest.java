package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.server.tls.TlsSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** etcd's rules for https:// URLs and the TLS flags, checked when the configuration is made. */
class ServerConfigTlsTest {
  private static final URI PEER = URI.create("http://127.0.0.1:2380");
  private static final TlsFiles CERT =
      new TlsFiles(Path.of("c.pem"), Path.of("k.pem"), null, false, false);

  private static ServerConfig config(List<URI> clients, URI peer, URI admin, TlsSettings tls) {
    return new ServerConfig(
        "n1",
        Path.of("n1.raftkv"),
        clients.get(0),
        peer,
        admin,
        Map.of("n1", peer),
        true,
        "t",
        100,
        1000,
        List.of(),
        ServerConfig.DEFAULT_SNAPSHOT_COUNT,
        clients,
        tls,
        null);
  }

  private static final URI ADMIN = URI.create("http://127.0.0.1:2381");

  @Test
  void anHttpsClientUrlWithoutCertificatesNamesTheFlags() {
    assertThatThrownBy(
            () ->
                config(
                    List.of(URI.create("https://127.0.0.1:2379")), PEER, ADMIN, TlsSettings.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--listen-client-urls has https://127.0.0.1:2379 but --cert-file and --key-file are"
                + " not set (or --auto-tls)");
  }

  @Test
  void anHttpsPeerUrlWithoutPeerCertificatesNamesThePeerFlags() {
    URI peer = URI.create("https://127.0.0.1:2380");
    assertThatThrownBy(
            () ->
                config(
                    List.of(URI.create("http://127.0.0.1:2379")),
                    peer,
                    ADMIN,
                    new TlsSettings(CERT, TlsFiles.NONE, null)))
        .hasMessage(
            "--listen-peer-urls has https://127.0.0.1:2380 but --peer-cert-file and"
                + " --peer-key-file are not set (or --peer-auto-tls)");
  }

  @Test
  void anHttpsAdminUrlNeedsTheClientCertificate() {
    assertThatThrownBy(
            () ->
                config(
                    List.of(URI.create("http://127.0.0.1:2379")),
                    PEER,
                    URI.create("https://127.0.0.1:2381"),
                    TlsSettings.NONE))
        .hasMessageStartingWith("--listen-admin-urls has https://127.0.0.1:2381 but --cert-file");
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused() {
    TlsFiles half = new TlsFiles(Path.of("c.pem"), null, null, false, false);
    assertThatThrownBy(
            () ->
                config(
                    List.of(URI.create("http://127.0.0.1:2379")),
                    PEER,
                    ADMIN,
                    new TlsSettings(TlsFiles.NONE, half, null)))
        .hasMessage("--peer-cert-file is set but --peer-key-file is not");
  }

  @Test
  void anUnknownSchemeIsRefused() {
    assertThatThrownBy(
            () -> config(List.of(URI.create("unix://127.0.0.1:2379")), PEER, ADMIN, null))
        .hasMessageContaining("--listen-client-urls")
        .hasMessageContaining("http:// or https://");
  }

  @Test
  void httpAndHttpsTogetherAreListenedOnAndAdvertised() {
    List<URI> both =
        List.of(URI.create("http://127.0.0.1:2379"), URI.create("https://127.0.0.1:2389"));
    ServerConfig c = config(both, PEER, ADMIN, new TlsSettings(CERT, TlsFiles.NONE, null));
    assertThat(c.listenClientUrls()).isEqualTo(both);
    assertThat(c.advertiseClientUrls()).isEqualTo(both);
    assertThat(c.clientTls()).isTrue();
    assertThat(c.peerTls()).isFalse();
  }

  @Test
  void autoTlsServesHttpsWithoutFiles() {
    TlsFiles auto = new TlsFiles(null, null, null, false, true);
    ServerConfig c =
        config(
            List.of(URI.create("https://127.0.0.1:2379")),
            URI.create("https://127.0.0.1:2380"),
            ADMIN,
            new TlsSettings(auto, auto, null));
    assertThat(c.peerTls()).isTrue();
  }

  @Test
  void plainConfigurationsHaveNoTls() {
    ServerConfig c = config(List.of(URI.create("http://127.0.0.1:2379")), PEER, ADMIN, null);
    assertThat(c.tls()).isEqualTo(TlsSettings.NONE);
    assertThat(c.clientTls()).isFalse();
    assertThat(c.withSnapshotCount(5).listenClientUrls()).isEqualTo(c.listenClientUrls());
  }
}

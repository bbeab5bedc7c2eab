package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.raftkv.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad flags and configuration files: exit code 2 and a message that names what is wrong. */
class ServerCommandTest {
  @TempDir Path dir;

  private static String[] run(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cl = new CommandLine(new Main());
    cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
    int code = cl.execute(args);
    return new String[] {String.valueOf(code), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void anInitialClusterWithoutThisMemberIsRefused() {
    String[] r = run("server", "--name", "n9", "--initial-cluster", "n1=http://127.0.0.1:2380");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--initial-cluster has no member named 'n9'");
  }

  @Test
  void aMalformedUrlNamesItsFlag() {
    String[] r = run("server", "--listen-peer-urls", "http://127.0.0.1");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--listen-peer-urls").contains("port");
  }

  @Test
  void anElectionTimeoutTooShortForTheHeartbeatIsRefused() {
    String[] r = run("server", "--heartbeat-interval", "100", "--election-timeout", "150");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--election-timeout");
  }

  private static ServerConfig configure(String... args) throws Exception {
    ServerCommand c = new ServerCommand();
    new CommandLine(c).parseArgs(args);
    return c.configure();
  }

  @Test
  void quotaBackendBytesTakesEtcdsDefaultForZeroAndKeepsAnyOtherValue() throws Exception {
    assertThat(configure().quotaBackendBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(configure("--quota-backend-bytes", "0").quotaBackendBytes())
        .isEqualTo(ServerConfig.DEFAULT_QUOTA_BYTES);
    assertThat(configure("--quota-backend-bytes", "8388608").quotaBackendBytes())
        .isEqualTo(8388608);
    assertThat(configure("--quota-backend-bytes", "-1").quotaBackendBytes())
        .as("negative: no quota, as etcd")
        .isEqualTo(-1);
    assertThat(
            configure("--quota-backend-bytes", "8388608", "--snapshot-count", "10")
                .quotaBackendBytes())
        .as("kept by the other settings' copies")
        .isEqualTo(8388608);
  }

  @Test
  void advertisedUrlsAreWhatTheClusterIsToldWhileTheListenUrlsAreWhereTheMemberBinds()
      throws Exception {
    ServerConfig c =
        configure(
            "--name",
            "a",
            "--listen-peer-urls",
            "http://0.0.0.0:2380",
            "--initial-advertise-peer-urls",
            "http://10.0.0.5:2380",
            "--listen-client-urls",
            "http://0.0.0.0:2379",
            "--advertise-client-urls",
            "http://10.0.0.5:2379,http://a.example:2379");
    assertThat(c.peerUrl()).hasToString("http://0.0.0.0:2380");
    assertThat(c.initialCluster()).containsExactly(entry("a", URI.create("http://10.0.0.5:2380")));
    assertThat(c.clientUrl()).hasToString("http://0.0.0.0:2379");
    assertThat(c.adminUrl()).hasToString("http://127.0.0.1:2381"); // no access control: loopback
    assertThat(c.advertiseClientUrls())
        .containsExactly(URI.create("http://10.0.0.5:2379"), URI.create("http://a.example:2379"));

    ServerConfig plain = configure("--name", "b");
    assertThat(plain.advertiseClientUrls()).containsExactly(plain.clientUrl());
  }

  @Test
  void anAdvertisedPeerUrlOtherThanTheInitialClustersIsRefused() {
    String[] r =
        run(
            "server",
            "--name",
            "a",
            "--initial-cluster",
            "a=http://127.0.0.1:2380",
            "--initial-advertise-peer-urls",
            "http://127.0.0.2:2380");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1])
        .contains(
            "--initial-cluster has a=http://127.0.0.1:2380 but --initial-advertise-peer-urls is"
                + " http://127.0.0.2:2380");
  }

  @Test
  void aWildcardClientUrlNeedsAnAdvertisedOne() {
    String[] r = run("server", "--listen-client-urls", "http://0.0.0.0:2379");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("wildcard").contains("--advertise-client-urls");
    r = run("server", "--advertise-client-urls", "http://127.0.0.1");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--advertise-client-urls").contains("port");
  }

  @Test
  void aSeedConfigPidOutsidePeersPidIsRefused() throws Exception {
    Path f = dir.resolve("config.json");
    Files.writeString(
        f,
        "{\"selfHandle\":\"tcp://127.0.0.1:\",\"peersPid\":\"1,2\",\"peersHandle\":\"tcp://127.0.0.1:\","
            + "\"startAddress\":5000,\"startMsgId\":1000,\"bufSize\":5000,\"timeOutMin\":100,"
            + "\"timeOutRand\":200}");
    String[] r = run("server", "--seed-config", f.toString(), "--id", "7");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--id 7 is not in peersPid [1, 2]");
  }

  @Test
  void aSeed002PeerJsonWithoutThisIdIsRefused() throws Exception {
    Path f = dir.resolve("peer.json");
    Files.writeString(
        f,
        "{\"object\": {\"buffer_size\": 100, \"peers\": [{\"logdir\": \"d1\", \"id\": 1,"
            + " \"host\": \"127.0.0.1:9001\", \"timeout\": 500}]}}");
    String[] r = run("server", "2", "8002", "--peer-json", f.toString());
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("has no peer with id 2");
    Files.writeString(f, "{\"object\": {\"peers\": []}}");
    r = run("server", "1", "8001", "--peer-json", f.toString());
    assertThat(r[1]).contains("\"object.peers\" must be a non-empty list");
  }

  @Test
  void theAuthFlagsReachTheConfiguration() throws Exception {
    assertThat(configure().auth()).isEqualTo(dev.raftkv.server.AuthConfig.DEFAULTS);
    ServerConfig c =
        configure(
            "--auth-token",
            "jwt,pub-key=/k/a.pub,priv-key=/k/a.key,sign-method=RS256,ttl=1m",
            "--auth-token-ttl",
            "30",
            "--bcrypt-cost",
            "6");
    assertThat(c.auth().tokenType()).isEqualTo("jwt");
    assertThat(c.auth().jwtPublicKey()).isEqualTo(Path.of("/k/a.pub"));
    assertThat(c.auth().jwtTtl()).isEqualTo(java.time.Duration.ofMinutes(1));
    assertThat(c.auth().simpleTtl()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(c.auth().bcryptCost()).isEqualTo(6);
  }

  @Test
  void aBadAuthTokenFlagIsRefusedNamingIt() {
    String[] r = run("server", "--auth-token", "jwt,sign-method=RS256");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--auth-token").contains("pub-key");
    r = run("server", "--bcrypt-cost", "99");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--bcrypt-cost");
  }

  @Test
  void anHttpsClientUrlWithoutCertificatesFailsAtStartNamingTheFlags() {
    String[] r = run("server", "--listen-client-urls", "https://127.0.0.1:2379");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1])
        .contains(
            "--listen-client-urls has https://127.0.0.1:2379 but --cert-file and --key-file are"
                + " not set (or --auto-tls)");
  }

  @Test
  void anHttpsPeerUrlWithoutPeerCertificatesFailsNamingThePeerFlags() {
    String[] r = run("server", "--listen-peer-urls", "https://127.0.0.1:2380");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1])
        .contains("--peer-cert-file and --peer-key-file are not set (or --peer-auto-tls)");
  }

  @Test
  void anUnknownCipherSuiteFailsNamingIt() {
    String[] r =
        run("server", "--cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_BOGUS");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("--cipher-suites").contains("'TLS_BOGUS'");
  }

  @Test
  void theAdminEndpointBindsLoopbackByDefaultWhateverThePeerHost() throws Exception {
    ServerConfig c =
        configure(
            "--name",
            "a",
            "--listen-peer-urls",
            "http://127.0.0.5:2380",
            "--listen-client-urls",
            "http://127.0.0.5:2379");
    assertThat(c.adminUrl()).hasToString("http://127.0.0.1:2381");
    assertThat(configure("--listen-admin-urls", "http://127.0.0.1:9999").adminUrl())
        .hasToString("http://127.0.0.1:9999");
    assertThat(configure("--listen-admin-url", "http://127.0.0.1:9998").adminUrl())
        .hasToString("http://127.0.0.1:9998");
  }

  @Test
  void tlsFlagsAndSeveralClientUrlsReachTheConfiguration() throws Exception {
    ServerConfig c =
        configure(
            "--listen-client-urls",
            "http://127.0.0.1:2379,https://127.0.0.1:2389",
            "--listen-peer-urls",
            "https://127.0.0.1:2380",
            "--cert-file",
            "c.pem",
            "--key-file",
            "k.pem",
            "--trusted-ca-file",
            "ca.pem",
            "--client-cert-auth",
            "--peer-auto-tls",
            "--peer-client-cert-auth",
            "--cipher-suites",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assertThat(c.listenClientUrls())
        .containsExactly(URI.create("http://127.0.0.1:2379"), URI.create("https://127.0.0.1:2389"));
    assertThat(c.adminUrl()).hasToString("https://127.0.0.1:2381"); // client TLS is on
    assertThat(c.tls().client().certFile()).isEqualTo(Path.of("c.pem"));
    assertThat(c.tls().client().clientCertAuth()).isTrue();
    assertThat(c.tls().peer().autoTls()).isTrue();
    assertThat(c.tls().peer().clientCertAuth()).isTrue();
    assertThat(c.tls().cipherSuites()).startsWith("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assertThat(c.peerTls()).isTrue();
  }

  @Test
  void tlsFlagsWithASeedFormAreRefused() {
    String[] r = run("server", "--cert-file", "c.pem", "--key-file", "k.pem", "1", "9001");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).contains("TLS flags").contains("seed document forms are plaintext");
  }
}

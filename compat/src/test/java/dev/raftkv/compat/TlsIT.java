package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.server.RaftkvServer;
import dev.raftkv.server.ServerConfig;
import dev.raftkv.server.tls.AutoTls;
import dev.raftkv.server.tls.PemFiles;
import dev.raftkv.server.tls.ServerTls;
import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.server.tls.TlsSettings;
import dev.raftkv.testkit.LoopbackPorts;
import dev.raftkv.transport.ClusterInfo;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-member raftkv with client and peer TLS and client-cert-auth on both (certificates made at
 * test time, {@link TlsFixture}): jetcd, real etcdctl and a gRPC client with a client certificate
 * work; a client without one and a peer whose certificate another CA signed are refused at the TLS
 * handshake. Also single members for auto-TLS and http:// beside https://.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsIT {
  private TlsFixture certs;
  private RaftkvCluster cluster;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    certs = TlsFixture.create(dir.resolve("tls"));
    cluster = RaftkvCluster.startTls(dir, 3, certs.members());
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private List<String> httpsEndpoints() {
    return cluster.clientEndpoints().stream().map(e -> "https://" + e).toList();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void jetcdPutsAndGetsWithAClientCertificate() throws Exception {
    io.netty.handler.ssl.SslContext ssl =
        io.grpc.netty.GrpcSslContexts.forClient()
            .trustManager(certs.ca().toFile())
            .keyManager(certs.cert("client").toFile(), certs.key("client").toFile())
            .build();
    try (Client client =
        Client.builder()
            .endpoints(httpsEndpoints().toArray(new String[0]))
            .sslContext(ssl)
            .build()) {
      client.getKVClient().put(bytes("tls-jetcd"), bytes("v1")).get(20, TimeUnit.SECONDS);
      var got = client.getKVClient().get(bytes("tls-jetcd")).get(20, TimeUnit.SECONDS);
      assertThat(got.getKvs()).hasSize(1);
      assertThat(got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("v1");
    }
  }

  /**
   * A follower forwards lease time-to-live and keep-alive to the leader's https:// client URL,
   * presenting its own certificate to the leader's client-cert-auth.
   */
  @Test
  void aFollowerForwardsLeaseCallsToTheLeaderOverTls() throws Exception {
    int follower = (cluster.leader() + 1) % 3;
    io.netty.handler.ssl.SslContext ssl =
        io.grpc.netty.GrpcSslContexts.forClient()
            .trustManager(certs.ca().toFile())
            .keyManager(certs.cert("client").toFile(), certs.key("client").toFile())
            .build();
    try (Client client =
        Client.builder().endpoints(httpsEndpoints().get(follower)).sslContext(ssl).build()) {
      long id = client.getLeaseClient().grant(30).get(20, TimeUnit.SECONDS).getID();
      assertThat(
              client
                  .getLeaseClient()
                  .timeToLive(id, io.etcd.jetcd.options.LeaseOption.DEFAULT)
                  .get(20, TimeUnit.SECONDS)
                  .getTTL())
          .isPositive();
      assertThat(client.getLeaseClient().keepAliveOnce(id).get(20, TimeUnit.SECONDS).getTTL())
          .isPositive();
    }
  }

  @Test
  void etcdctlWorksWithCacertCertAndKey() throws Exception {
    Etcdctl ctl = new Etcdctl(String.join(",", httpsEndpoints()));
    String[] tls = {
      "--cacert", certs.ca().toString(),
      "--cert", certs.cert("client").toString(),
      "--key", certs.key("client").toString()
    };
    Etcdctl.Result put = ctl.run(concat(tls, "put", "tls-ctl", "v2"));
    assertThat(put.exitCode()).as(put.all()).isZero();
    assertThat(put.stdout()).contains("OK");
    Etcdctl.Result get = ctl.run(concat(tls, "get", "tls-ctl"));
    assertThat(get.exitCode()).as(get.all()).isZero();
    assertThat(get.stdout()).isEqualTo("tls-ctl\nv2\n");
  }

  /**
   * etcd serves its JSON gateway on https:// client URLs too. curl offers h2 and http/1.1 by ALPN
   * and is answered over HTTP/1.1 by the gateway; gRPC clients, offering only h2, get gRPC on the
   * same port (etcdctl and jetcd above).
   */
  @Test
  void theJsonGatewayAnswersCurlOnTheHttpsClientUrls() throws Exception {
    Binaries.requireCurl();
    List<String> urls = httpsEndpoints();
    String put = curl(urls.get(0) + "/v3/kv/put", "{\"key\":\"Z3d0bHM=\",\"value\":\"b3Zlcg==\"}");
    assertThat(put).contains("\"header\"").contains("\"revision\"");
    String range = curl(urls.get(1) + "/v3/kv/range", "{\"key\":\"Z3d0bHM=\"}");
    assertThat(range).contains("\"value\":\"b3Zlcg==\"").contains("\"count\":\"1\"");
    String ctl =
        new Etcdctl(String.join(",", urls))
            .run(concat(clientFlags(), "get", "gwtls", "--print-value-only"))
            .stdout();
    assertThat(ctl).isEqualTo("over\n");
  }

  /** curl's and etcdctl's flags for the CA and the client certificate. */
  private String[] clientFlags() {
    return new String[] {
      "--cacert", certs.ca().toString(),
      "--cert", certs.cert("client").toString(),
      "--key", certs.key("client").toString()
    };
  }

  private String curl(String url, String body) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
    command.addAll(List.of(clientFlags()));
    command.addAll(List.of(url, "-d", body));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("curl %s: %s", url, out).isZero();
    return out;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void aGrpcClientWithACertificatePutsAndAClientWithoutOneIsRefused() throws Exception {
    String target = cluster.clientEndpoints().get(cluster.leader());
    SslContextBuilder withCert =
        GrpcSslContexts.forClient()
            .trustManager(PemFiles.readCertificates("ca", certs.ca()))
            .keyManager(
                PemFiles.readPrivateKey("key", certs.key("client")),
                PemFiles.readCertificates("cert", certs.cert("client")));
    ManagedChannel good =
        NettyChannelBuilder.forTarget(target).sslContext(withCert.build()).build();
    ManagedChannel bad =
        NettyChannelBuilder.forTarget(target)
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(PemFiles.readCertificates("ca", certs.ca()))
                    .build())
            .build();
    try {
      KVGrpc.newBlockingStub(good)
          .withDeadlineAfter(20, TimeUnit.SECONDS)
          .put(
              PutRequest.newBuilder()
                  .setKey(ByteString.copyFromUtf8("tls-grpc"))
                  .setValue(ByteString.copyFromUtf8("v3"))
                  .build());
      assertThat(
              KVGrpc.newBlockingStub(good)
                  .withDeadlineAfter(20, TimeUnit.SECONDS)
                  .range(
                      RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("tls-grpc")).build())
                  .getKvs(0)
                  .getValue()
                  .toStringUtf8())
          .isEqualTo("v3");
      assertThatThrownBy(
              () ->
                  KVGrpc.newBlockingStub(bad)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .range(
                          RangeRequest.newBuilder()
                              .setKey(ByteString.copyFromUtf8("tls-grpc"))
                              .build()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("UNAVAILABLE");
    } finally {
      good.shutdownNow();
      bad.shutdownNow();
    }
  }

  @Test
  void aPeerWithACertificateOfAnotherCaIsRefusedAtTheTlsHandshake() throws Exception {
    ServerConfig member = cluster.server(0).config();
    // The rogue trusts the cluster's CA, so it is the member that refuses it, not the other way.
    var rogue = ServerTls.load(certs.files("rogue", certs.ca()), true, null).peer();
    // The cluster-id query is the first frame a peer sends after TLS; it never gets that far.
    assertThatThrownBy(
            () ->
                ClusterInfo.ask(
                    ServerConfig.address(member.peerUrl()), Duration.ofSeconds(5), rogue))
        .isInstanceOf(SSLException.class);
    // A member's own certificate gets through TLS to the cluster-id answer.
    var trusted = ServerTls.load(certs.files("member", certs.ca()), true, null).peer();
    assertThat(
            ClusterInfo.ask(ServerConfig.address(member.peerUrl()), Duration.ofSeconds(5), trusted)
                .clusterId())
        .isEqualTo(cluster.server(0).clusterId());
  }

  @Test
  void theAdminEndpointServesHttpsOnLoopback() throws Exception {
    ServerConfig member = cluster.server(0).config();
    assertThat(member.adminUrl().getScheme()).isEqualTo("https");
    assertThat(cluster.server(0).adminUrl()).startsWith("https://127.0.0.1:");
    HttpClient http = HttpClient.newBuilder().sslContext(trusting(certs.ca())).build();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(cluster.server(0).adminUrl() + "/status")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"name\":\"r1\"");
  }

  @Test
  void theDashboardShowsEveryMemberPolledOverTheirHttpsClientUrls() throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trusting(certs.ca())).build();
    HttpResponse<Stream<String>> r =
        http.send(
            HttpRequest.newBuilder(URI.create(cluster.server(1).adminUrl() + "/events")).build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    ObjectMapper json = new ObjectMapper();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<String> last = List.of();
    try (Stream<String> lines = r.body()) {
      Iterator<String> it = lines.iterator();
      while (System.nanoTime() < deadline && it.hasNext()) {
        String line = it.next();
        if (!line.startsWith("data: ")) {
          continue;
        }
        List<String> rows = new ArrayList<>();
        for (JsonNode m : json.readTree(line.substring("data: ".length())).get("members")) {
          rows.add(m.get("name").asText() + " " + m.get("reachable").asText());
        }
        last = rows;
        if (rows.equals(List.of("r1 true", "r2 true", "r3 true"))) {
          return; // r2's dashboard reached r1 and r3 over https:// with its client certificate
        }
      }
    }
    throw new AssertionError("the dashboard of r2 did not show every member answering: " + last);
  }

  private static SSLContext trusting(Path ca) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, new char[0]);
    ks.setCertificateEntry("ca", PemFiles.readCertificates("ca", ca).get(0));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  @Test
  void httpAndHttpsListenedOnTogetherBothAnswer_andAutoTlsMakesItsCertificate(@TempDir Path dir)
      throws Exception {
    int[] p = LoopbackPorts.allocate(4);
    URI peer = URI.create("http://127.0.0.1:" + p[2]);
    ServerConfig config =
        new ServerConfig(
            "solo",
            dir.resolve("solo"),
            URI.create("http://127.0.0.1:" + p[0]),
            peer,
            URI.create("http://127.0.0.1:" + p[3]),
            Map.of("solo", peer),
            true,
            "tls-solo",
            20,
            200,
            List.of(),
            ServerConfig.DEFAULT_SNAPSHOT_COUNT,
            List.of(
                URI.create("http://127.0.0.1:" + p[0]), URI.create("https://127.0.0.1:" + p[1])),
            new TlsSettings(new TlsFiles(null, null, null, false, true), TlsFiles.NONE, null),
            null);
    try (RaftkvServer solo = RaftkvServer.start(config)) {
      assertThat(solo.config().listenClientUrls()).hasSize(2);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (solo.status().leader() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10); // a test waiting for the member to elect itself
      }
      assertThat(dir.resolve("solo/fixtures/client").resolve(AutoTls.CERT)).exists();
      ManagedChannel plain =
          NettyChannelBuilder.forTarget("127.0.0.1:" + p[0]).usePlaintext().build();
      // auto-TLS certificates are self-signed: a client skips the check (etcdctl --insecure-...).
      ManagedChannel tls =
          NettyChannelBuilder.forTarget("127.0.0.1:" + p[1])
              .sslContext(
                  GrpcSslContexts.forClient()
                      .trustManager(InsecureTrustManagerFactory.INSTANCE)
                      .build())
              .build();
      try {
        KVGrpc.newBlockingStub(plain)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .put(
                PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("both"))
                    .setValue(ByteString.copyFromUtf8("yes"))
                    .build());
        assertThat(
                KVGrpc.newBlockingStub(tls)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .range(
                        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("both")).build())
                    .getKvs(0)
                    .getValue()
                    .toStringUtf8())
            .isEqualTo("yes");
      } finally {
        plain.shutdownNow();
        tls.shutdownNow();
      }
    }
    assertThat(Files.size(dir.resolve("solo/fixtures/client").resolve(AutoTls.KEY))).isPositive();
  }

  @Test
  void aClusterWithAutoTlsOnBothSidesReplicates(@TempDir Path dir) throws Exception {
    TlsFiles auto = new TlsFiles(null, null, null, false, true);
    try (RaftkvCluster autoCluster =
        RaftkvCluster.startTls(dir, 3, new TlsSettings(auto, auto, null))) {
      for (String n : autoCluster.memberNames()) {
        assertThat(dir.resolve(n).resolve("fixtures/peer").resolve(AutoTls.CERT)).exists();
        assertThat(dir.resolve(n).resolve("fixtures/client").resolve(AutoTls.CERT)).exists();
      }
      // Self-signed certificates: the client skips verification, as etcdctl
      // --insecure-skip-tls-verify. A put commits only once a majority has it over peer TLS.
      ManagedChannel ch =
          NettyChannelBuilder.forTarget(autoCluster.clientEndpoints().get(0))
              .sslContext(
                  GrpcSslContexts.forClient()
                      .trustManager(InsecureTrustManagerFactory.INSTANCE)
                      .build())
              .build();
      try {
        KVGrpc.newBlockingStub(ch)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .put(
                PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("auto"))
                    .setValue(ByteString.copyFromUtf8("tls"))
                    .build());
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /**
   * A member added to the TLS cluster joins over peer TLS: it asks a running member for the
   * cluster's identity over TLS, then takes the log from the leader, with its certificate from the
   * cluster's CA.
   */
  @Test
  void aMemberJoinsTheTlsClusterOverPeerTls(@TempDir Path dir) throws Exception {
    int[] p = LoopbackPorts.allocate(3);
    URI peer = URI.create("https://127.0.0.1:" + p[1]);
    io.netty.handler.ssl.SslContext ssl =
        io.grpc.netty.GrpcSslContexts.forClient()
            .trustManager(certs.ca().toFile())
            .keyManager(certs.cert("client").toFile(), certs.key("client").toFile())
            .build();
    try (Client client =
        Client.builder()
            .endpoints(httpsEndpoints().toArray(new String[0]))
            .sslContext(ssl)
            .build()) {
      client.getKVClient().put(bytes("before-join"), bytes("old")).get(20, TimeUnit.SECONDS);
      client.getClusterClient().addMember(List.of(peer)).get(20, TimeUnit.SECONDS);
      Map<String, URI> initial = new java.util.LinkedHashMap<>();
      for (int i = 0; i < 3; i++) {
        ServerConfig c = cluster.server(i).config();
        initial.put(c.name(), c.peerUrl());
      }
      initial.put("r4", peer);
      ServerConfig joiner =
          new ServerConfig(
              "r4",
              dir.resolve("r4"),
              URI.create("https://127.0.0.1:" + p[0]),
              peer,
              URI.create("https://127.0.0.1:" + p[2]),
              initial,
              false,
              "compat-raftkv",
              20,
              200,
              List.of(),
              ServerConfig.DEFAULT_SNAPSHOT_COUNT,
              List.of(),
              certs.members(),
              null);
      try (RaftkvServer r4 = RaftkvServer.start(joiner)) {
        assertThat(r4.clusterId()).isEqualTo(cluster.server(0).clusterId());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (r4.kv()
                .store()
                .range(dev.raftkv.kv.Range.get("before-join".getBytes(StandardCharsets.UTF_8)))
                .kvs()
                .isEmpty()
            && System.nanoTime() < deadline) {
          Thread.sleep(20); // a test waiting for the new member to catch up
        }
        assertThat(
                r4.kv()
                    .store()
                    .range(dev.raftkv.kv.Range.get("before-join".getBytes(StandardCharsets.UTF_8)))
                    .kvs())
            .hasSize(1);
      } finally {
        long id =
            client.getClusterClient().listMember().get(20, TimeUnit.SECONDS).getMembers().stream()
                .filter(m -> m.getPeerURIs().contains(peer))
                .findFirst()
                .orElseThrow()
                .getId();
        client.getClusterClient().removeMember(id).get(20, TimeUnit.SECONDS);
      }
    }
  }
}

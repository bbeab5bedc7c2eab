package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftkv.kv.KvCommands;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.Range;
import dev.raftkv.raft.Role;
import dev.raftkv.server.tls.Pki;
import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.server.tls.TlsSettings;
import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three servers in this JVM on loopback, with real disks, sockets and the admin endpoint. */
class RaftkvServerIT {
  @TempDir Path dir;
  private final Map<String, RaftkvServer> servers = new LinkedHashMap<>();
  private final Map<String, ServerConfig> configs = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();

  /** The members' election timeout (their heartbeat interval is 10 ms). */
  private int electionMs = 100;

  @AfterEach
  void stop() {
    servers.values().forEach(RaftkvServer::close);
  }

  private static int freePort() throws IOException {
    return LoopbackPorts.allocate();
  }

  private void configure(String token) throws IOException {
    configure(token, TlsSettings.NONE);
  }

  /** Three members; with {@code tls} other than none, on https:// URLs served with it. */
  private void configure(String token, TlsSettings tls) throws IOException {
    String scheme = tls.equals(TlsSettings.NONE) ? "http" : "https";
    Map<String, URI> cluster = new LinkedHashMap<>();
    Map<String, int[]> ports = new LinkedHashMap<>();
    for (String n : new String[] {"n1", "n2", "n3"}) {
      int[] p = {freePort(), freePort(), freePort()};
      ports.put(n, p);
      cluster.put(n, URI.create(scheme + "://127.0.0.1:" + p[1]));
    }
    for (String n : cluster.keySet()) {
      int[] p = ports.get(n);
      configs.put(
          n,
          new ServerConfig(
              n,
              dir.resolve(n),
              URI.create(scheme + "://127.0.0.1:" + p[0]),
              cluster.get(n),
              URI.create(scheme + "://127.0.0.1:" + p[2]),
              cluster,
              true,
              token,
              10,
              electionMs,
              List.of(),
              ServerConfig.DEFAULT_SNAPSHOT_COUNT,
              List.of(),
              tls,
              null));
    }
  }

  private void startAll() throws IOException {
    for (Map.Entry<String, ServerConfig> e : configs.entrySet()) {
      servers.put(e.getKey(), RaftkvServer.start(e.getValue()));
    }
  }

  private static void await(String what, BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private String leader() throws InterruptedException {
    String[] l = new String[1];
    await(
        "a leader",
        () -> {
          for (Map.Entry<String, RaftkvServer> e : servers.entrySet()) {
            if (e.getValue().status().role() == Role.LEADER) {
              l[0] = e.getKey();
              return true;
            }
          }
          return false;
        });
    return l[0];
  }

  private void put(String at, String key, String value) throws Exception {
    servers
        .get(at)
        .runtime()
        .propose(
            KvCommands.encode(
                Put.of(
                    key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))))
        .get(20, TimeUnit.SECONDS);
  }

  private String get(String at, String key) throws Exception {
    RaftkvServer s = servers.get(at);
    // A member may not have heard from the leader yet; a client retries, so does this test.
    await(at + " to know the leader", () -> s.status().leader() != 0);
    s.runtime().readIndex().get(20, TimeUnit.SECONDS);
    Range.Result r = s.kv().store().range(Range.get(key.getBytes(StandardCharsets.UTF_8)));
    return r.kvs().isEmpty() ? null : new String(r.kvs().get(0).value(), StandardCharsets.UTF_8);
  }

  private HttpResponse<String> admin(String at, String method, String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(servers.get(at).adminUrl() + path));
    b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void electsALeaderReplicatesAndAnswersTheAdminQuestions() throws Exception {
    configure("t1");
    startAll();
    String leader = leader();
    put(leader, "foo", "bar");
    for (String n : servers.keySet()) {
      assertThat(get(n, "foo")).isEqualTo("bar");
    }
    HttpResponse<String> status = admin(leader, "GET", "/status");
    assertThat(status.statusCode()).isEqualTo(200);
    JsonNode json = new ObjectMapper().readTree(status.body()); // valid JSON, typed fields
    assertThat(json.get("role").asText()).isEqualTo("leader");
    assertThat(json.get("name").asText()).isEqualTo(leader);
    assertThat(json.get("term").isIntegralNumber()).isTrue();
    assertThat(json.get("detached").isBoolean()).isTrue();
    assertThat(json.get("blocked").isArray()).isTrue();
    assertThat(admin(leader, "GET", "/health").statusCode()).isEqualTo(200);
  }

  @Test
  void detachingTheLeaderMovesLeadershipAndAttachingRejoins() throws Exception {
    configure("t2");
    startAll();
    String old = leader();
    assertThat(admin(old, "POST", "/detach").statusCode()).isEqualTo(200);
    await(
        "another leader",
        () ->
            servers.entrySet().stream()
                .anyMatch(
                    e -> !e.getKey().equals(old) && e.getValue().status().role() == Role.LEADER));
    String next =
        servers.entrySet().stream()
            .filter(e -> !e.getKey().equals(old) && e.getValue().status().role() == Role.LEADER)
            .findFirst()
            .orElseThrow()
            .getKey();
    put(next, "k", "after-detach");
    await("the old leader to step down", () -> servers.get(old).status().role() != Role.LEADER);
    assertThat(admin(old, "GET", "/health").statusCode()).isEqualTo(503);
    admin(old, "POST", "/attach");
    await("the old leader to follow", () -> servers.get(old).status().leader() != 0);
    assertThat(get(old, "k")).isEqualTo("after-detach");
  }

  @Test
  void blockingItsPeersAtTheLeaderAloneIsolatesItUntilUnblocked() throws Exception {
    configure("t2b");
    startAll();
    String old = leader();
    List<String> others = servers.keySet().stream().filter(n -> !n.equals(old)).toList();
    String ids =
        others.stream()
            .map(n -> Long.toHexString(servers.get(n).status().id()))
            .collect(java.util.stream.Collectors.joining(","));
    HttpResponse<String> bad = admin(old, "POST", "/block?peers=zz%22");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new ObjectMapper().readTree(bad.body()).get("error").asText())
        .isEqualTo("peers: not a hex member id: zz\""); // the id as decoded from the URL
    assertThat(admin(old, "GET", "/block?peers=" + ids).statusCode()).isEqualTo(405);
    HttpResponse<String> blocked = admin(old, "POST", "/block?peers=" + ids);
    assertThat(blocked.statusCode()).isEqualTo(200);
    assertThat(blocked.body()).contains(Long.toHexString(servers.get(others.get(0)).status().id()));
    assertThat(admin(old, "GET", "/status").body()).contains("\"blocked\":[\"");
    // Only the old leader blocks; the others' messages are dropped at it, so they elect anew.
    await(
        "another leader",
        () -> others.stream().anyMatch(n -> servers.get(n).status().role() == Role.LEADER));
    String next =
        others.stream()
            .filter(n -> servers.get(n).status().role() == Role.LEADER)
            .findFirst()
            .orElseThrow();
    put(next, "k", "while-blocked");
    await("the old leader to step down", () -> servers.get(old).status().role() != Role.LEADER);
    assertThat(admin(old, "POST", "/unblock").body()).contains("\"blocked\":[]");
    await("the old leader to follow", () -> servers.get(old).status().leader() != 0);
    assertThat(get(old, "k")).isEqualTo("while-blocked");
  }

  @Test
  void everyAcknowledgedWriteSurvivesAWholeClusterRestart() throws Exception {
    configure("t3");
    startAll();
    String leader = leader();
    for (int i = 0; i < 20; i++) {
      put(leader, "k" + i, "v" + i);
    }
    servers.values().forEach(RaftkvServer::close);
    servers.clear();
    startAll();
    leader();
    for (String n : servers.keySet()) {
      assertThat(get(n, "k19")).isEqualTo("v19");
      assertThat(get(n, "k0")).isEqualTo("v0");
    }
  }

  /**
   * Starts the configured members with a snapshot every 100 entries, stops a follower, writes past
   * what the leader's log keeps below its snapshot, restarts the follower and waits until it caught
   * up, which it can only do from the snapshot. Returns the leader's and the follower's names.
   */
  private String[] lagBehindASnapshotAndCatchUp() throws Exception {
    configs.replaceAll((n, c) -> c.withSnapshotCount(100));
    startAll();
    String leader = leader();
    String lagging = servers.keySet().stream().filter(n -> !n.equals(leader)).findFirst().get();
    servers.remove(lagging).close();
    // Past the 5,000 entries the log keeps below a snapshot: the lagging member can only be sent
    // the snapshot, which the leader holds as a reference to a checkpoint it kept on disk.
    List<java.util.concurrent.CompletableFuture<?>> writes = new java.util.ArrayList<>();
    for (int i = 0; i < 5_600; i++) {
      writes.add(
          servers
              .get(leader)
              .runtime()
              .propose(KvCommands.encode(Put.of("k" + (i % 100), "v" + i))));
    }
    for (var w : writes) {
      w.get(60, TimeUnit.SECONDS);
    }
    // The apply thread captures the snapshot after it completed the writes of that batch.
    await(
        "a checkpoint kept beside the leader's store",
        () -> {
          try (var kept = java.nio.file.Files.list(dir.resolve(leader))) {
            return kept.anyMatch(p -> p.getFileName().toString().startsWith("db.snap-"));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    servers.put(lagging, RaftkvServer.start(configs.get(lagging)));
    long target = servers.get(leader).runtime().appliedIndex();
    await(lagging + " to catch up", () -> servers.get(lagging).runtime().appliedIndex() >= target);
    return new String[] {leader, lagging};
  }

  @Test
  void aMemberFarBehindCatchesUpFromASnapshotSentOverPeerTls() throws Exception {
    Path tlsDir = dir.resolve("tls");
    Pki.KeyAndCertificate ca = Pki.newCa("test CA");
    ca.write(tlsDir.resolve("ca.crt"), tlsDir.resolve("ca.key"));
    Pki.issue(ca, "member", List.of("127.0.0.1", "localhost"))
        .write(tlsDir.resolve("m.crt"), tlsDir.resolve("m.key"));
    TlsFiles files =
        new TlsFiles(
            tlsDir.resolve("m.crt"),
            tlsDir.resolve("m.key"),
            tlsDir.resolve("ca.crt"),
            true,
            false);
    configure("t-snap-tls", new TlsSettings(files, files, null));
    String[] who = lagBehindASnapshotAndCatchUp();
    assertThat(get(who[1], "k99")).isEqualTo("v5599");
  }

  @Test
  void aMemberFarBehindCatchesUpFromTheSnapshotTheLeaderKeepsAsACheckpoint() throws Exception {
    configure("t-snap");
    String[] who = lagBehindASnapshotAndCatchUp();
    String leader = who[0];
    String lagging = who[1];
    long target = servers.get(leader).runtime().appliedIndex();
    // The snapshot it was sent was unpacked into a checkpoint of its own as it arrived (its log
    // store keeps only a reference to it, as for its own snapshots).
    try (var kept = java.nio.file.Files.walk(dir.resolve(lagging))) {
      assertThat(
              kept.filter(p -> p.getParent().getFileName().toString().startsWith("db.snap-"))
                  .mapToLong(p -> p.toFile().length())
                  .sum())
          .as("the store's files in the checkpoint it received")
          .isGreaterThan(10_000);
    }
    try (var snaps = java.nio.file.Files.list(dir.resolve(lagging).resolve("raft/snap"))) {
      assertThat(snaps.mapToLong(p -> p.toFile().length()).max().orElse(0))
          .as("the log store keeps a reference, not the snapshot")
          .isLessThan(10_000);
    }
    assertThat(get(lagging, "k99")).isEqualTo("v5599");
    long hash = servers.get(leader).kv().store().hashKV(0);
    for (String n : servers.keySet()) {
      await(
          n + " at the leader's revision", () -> servers.get(n).runtime().appliedIndex() >= target);
      assertThat(servers.get(n).kv().store().hashKV(0)).as(n).isEqualTo(hash);
    }
    // Every member restarts from its own snapshot (a reference) and log.
    servers.values().forEach(RaftkvServer::close);
    servers.clear();
    startAll();
    leader();
    for (String n : servers.keySet()) {
      assertThat(get(n, "k0")).isEqualTo("v5500");
    }
  }

  @Test
  void aDataDirOfAnotherClusterIsRefused() throws Exception {
    configure("t4");
    startAll();
    leader();
    servers.values().forEach(RaftkvServer::close);
    servers.clear();
    ServerConfig c = configs.get("n1");
    ServerConfig other =
        new ServerConfig(
            c.name(),
            c.dataDir(),
            c.clientUrl(),
            c.peerUrl(),
            c.adminUrl(),
            c.initialCluster(),
            true,
            "another-token",
            10,
            100);
    assertThatThrownBy(() -> RaftkvServer.start(other)).hasMessageContaining("cluster");
  }

  /**
   * Regression (jetcd's compaction watch cases, run across members): a follower a commit behind the
   * leader used to create a watch from a revision the cluster had just compacted, instead of
   * canceling it, and answer from its stale state. A create from a past revision now waits until
   * the member applied what was committed when it arrived; the stream's next request keeps its
   * order.
   */
  @Test
  void aWatchFromACompactedRevisionIsCanceledOnAFollowerThatLagged() throws Exception {
    electionMs = 3000; // the follower is cut off for a while: no election meanwhile
    configure("t-watch");
    startAll();
    String leader = leader();
    String follower =
        servers.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    // Every member hears from the leader (else blocking one could cost the leader its quorum).
    put(leader, "warm", "up");
    long warm = servers.get(leader).kv().store().revision();
    await(
        "every member to apply the first write",
        () -> servers.values().stream().allMatch(m -> m.kv().store().revision() >= warm));
    io.grpc.ManagedChannel ch =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                "127.0.0.1", configs.get(follower).clientUrl().getPort())
            .usePlaintext()
            .build();
    channels.add(ch);
    java.util.concurrent.BlockingQueue<dev.raftkv.api.etcdserverpb.WatchResponse> got =
        new java.util.concurrent.LinkedBlockingQueue<>();
    var requests =
        dev.raftkv.api.etcdserverpb.WatchGrpc.newStub(ch)
            .watch(
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(dev.raftkv.api.etcdserverpb.WatchResponse r) {
                    got.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(create("unrelated", 0));
    assertThat(got.poll(10, TimeUnit.SECONDS))
        .as("a first watcher, to open the stream")
        .isNotNull();

    // The leader stops talking to the follower: what follows commits with the third member only.
    String peer = Long.toHexString(configs.get(follower).memberId());
    assertThat(admin(leader, "POST", "/block?peers=" + peer).statusCode()).isEqualTo(200);
    var kv = kvStub(leader);
    long compacted =
        kv.put(
                dev.raftkv.api.etcdserverpb.PutRequest.newBuilder()
                    .setKey(bs("w"))
                    .setValue(bs("1"))
                    .build())
            .getHeader()
            .getRevision();
    kv.put(
        dev.raftkv.api.etcdserverpb.PutRequest.newBuilder()
            .setKey(bs("w"))
            .setValue(bs("2"))
            .build());
    kv.compact(
        dev.raftkv.api.etcdserverpb.CompactionRequest.newBuilder().setRevision(compacted).build());
    assertThat(servers.get(follower).kv().store().revision()).isLessThan(compacted);

    // The follower is asked while it lags; the leader hears it again a little later. (Were the
    // creates to arrive after that, this test would pass without the fix; it cannot fail with it.)
    requests.onNext(create("w", compacted - 1));
    requests.onNext(create("later", 0));
    // Written after the create from now was sent (it waits behind the other), while the follower
    // still lags: that watcher must see it.
    long later =
        kv.put(
                dev.raftkv.api.etcdserverpb.PutRequest.newBuilder()
                    .setKey(bs("later"))
                    .setValue(bs("x"))
                    .build())
            .getHeader()
            .getRevision();
    Thread.sleep(200);
    assertThat(admin(leader, "POST", "/unblock").statusCode()).isEqualTo(200);

    // As etcd: each create is answered "created" in request order; the watcher from the compacted
    // revision is then canceled with the compact revision, before any event of its own.
    var first = got.poll(10, TimeUnit.SECONDS);
    assertThat(first).as("the first create's answer").isNotNull();
    assertThat(first.getCreated()).as("created: %s", first).isTrue();
    List<dev.raftkv.api.etcdserverpb.WatchResponse> rest = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      var r = got.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("answer %d after the first created; so far %s", i + 2, rest).isNotNull();
      rest.add(r);
    }
    var canceled = rest.stream().filter(r -> r.getWatchId() == first.getWatchId()).toList();
    assertThat(canceled).as("the compacted watcher's answers: %s", rest).hasSize(1);
    assertThat(canceled.get(0).getEventsList()).isEmpty();
    assertThat(canceled.get(0).getCanceled()).isTrue();
    assertThat(canceled.get(0).getCompactRevision()).isEqualTo(compacted);
    var other = rest.stream().filter(r -> r.getWatchId() != first.getWatchId()).toList();
    assertThat(other).as("the second watcher's answers: %s", rest).hasSize(2);
    assertThat(other.get(0).getCreated()).isTrue();
    assertThat(other.get(1).getEventsList()).hasSize(1);
    assertThat(other.get(1).getEvents(0).getKv().getKey()).isEqualTo(bs("later"));
    assertThat(other.get(1).getEvents(0).getKv().getModRevision()).isEqualTo(later);
    requests.onCompleted();
  }

  private static dev.raftkv.api.etcdserverpb.WatchRequest create(String key, long from) {
    return dev.raftkv.api.etcdserverpb.WatchRequest.newBuilder()
        .setCreateRequest(
            dev.raftkv.api.etcdserverpb.WatchCreateRequest.newBuilder()
                .setKey(bs(key))
                .setStartRevision(from))
        .build();
  }

  @Test
  void badConfigurationNamesTheFlag() {
    assertThatThrownBy(() -> ServerConfig.parseInitialCluster("n1=http://127.0.0.1:1,n2"))
        .hasMessageContaining("--initial-cluster")
        .hasMessageContaining("'n2'");
    assertThatThrownBy(() -> ServerConfig.parseUrl("--listen-peer-urls", "http://127.0.0.1"))
        .hasMessageContaining("--listen-peer-urls")
        .hasMessageContaining("port");
  }

  private dev.raftkv.api.etcdserverpb.KVGrpc.KVBlockingStub kvStub(String at) {
    io.grpc.ManagedChannel ch =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                "127.0.0.1", configs.get(at).clientUrl().getPort())
            .usePlaintext()
            .maxInboundMessageSize(8 << 20)
            .build();
    channels.add(ch);
    return dev.raftkv.api.etcdserverpb.KVGrpc.newBlockingStub(ch)
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private final java.util.List<io.grpc.ManagedChannel> channels = new java.util.ArrayList<>();

  @AfterEach
  void closeChannels() {
    channels.forEach(io.grpc.ManagedChannel::shutdownNow);
  }

  private static com.google.protobuf.ByteString bs(String s) {
    return com.google.protobuf.ByteString.copyFromUtf8(s);
  }

  @Test
  void theEtcdApiAnswersWithEtcdsHeadersAndErrors() throws Exception {
    configure("t5");
    startAll();
    String leader = leader();
    String follower =
        servers.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    var put =
        kvStub(follower)
            .put(
                dev.raftkv.api.etcdserverpb.PutRequest.newBuilder()
                    .setKey(bs("foo"))
                    .setValue(bs("bar"))
                    .build());
    assertThat(put.getHeader().getRevision()).isEqualTo(2);
    assertThat(put.getHeader().getClusterId()).isEqualTo(configs.get(follower).clusterId());
    assertThat(put.getHeader().getMemberId()).isEqualTo(configs.get(follower).memberId());
    assertThat(put.getHeader().getRaftTerm()).isPositive();
    var got =
        kvStub(leader)
            .range(dev.raftkv.api.etcdserverpb.RangeRequest.newBuilder().setKey(bs("foo")).build());
    assertThat(got.getKvs(0).getValue().toStringUtf8()).isEqualTo("bar");
    assertThat(got.getKvs(0).getCreateRevision()).isEqualTo(2);

    assertThatThrownBy(
            () ->
                kvStub(leader)
                    .put(
                        dev.raftkv.api.etcdserverpb.PutRequest.newBuilder()
                            .setValue(bs("x"))
                            .build()))
        .isInstanceOf(io.grpc.StatusRuntimeException.class)
        .hasMessage("INVALID_ARGUMENT: etcdserver: key is not provided");
    byte[] big = new byte[KvServer.MAX_REQUEST_BYTES + 10];
    assertThatThrownBy(
            () ->
                kvStub(leader)
                    .put(
                        dev.raftkv.api.etcdserverpb.PutRequest.newBuilder()
                            .setKey(bs("big"))
                            .setValue(com.google.protobuf.ByteString.copyFrom(big))
                            .build()))
        .hasMessage("INVALID_ARGUMENT: etcdserver: request is too large");

    // Cut the leader off: it steps down, and a write there finds no leader.
    servers.get(leader).detach();
    await("the detached leader to step down", () -> servers.get(leader).status().leader() == 0);
    assertThatThrownBy(
            () ->
                kvStub(leader)
                    .put(
                        dev.raftkv.api.etcdserverpb.PutRequest.newBuilder()
                            .setKey(bs("k"))
                            .setValue(bs("v"))
                            .build()))
        .hasMessage("UNAVAILABLE: etcdserver: no leader");
  }

  @Test
  void aClientPortInUseIsNamed() throws Exception {
    configure("t6");
    try (ServerSocket taken = new ServerSocket(configs.get("n1").clientUrl().getPort())) {
      assertThat(taken.isBound()).isTrue();
      assertThatThrownBy(() -> RaftkvServer.start(configs.get("n1")))
          .hasMessageContaining("--listen-client-urls")
          .hasMessageContaining("in use");
    }
  }
}

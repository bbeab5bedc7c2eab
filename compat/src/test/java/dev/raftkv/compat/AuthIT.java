package dev.raftkv.compat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.AuthRoleAddRequest;
import dev.raftkv.api.etcdserverpb.AuthenticateRequest;
import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.HashRequest;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.LeaseRevokeRequest;
import dev.raftkv.api.etcdserverpb.LeaseTimeToLiveRequest;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.MemberAddRequest;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.StatusRequest;
import dev.raftkv.api.etcdserverpb.WatchCreateRequest;
import dev.raftkv.api.etcdserverpb.WatchGrpc;
import dev.raftkv.api.etcdserverpb.WatchRequest;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.AttachRequest;
import dev.raftkv.api.raftkvpb.DetachRequest;
import dev.raftkv.server.AuthConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.PutOption;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's auth on a real 3-member raftkv, through jetcd and the raw gRPC API: user and password with
 * jetcd, a simple token that every member accepts and that expires (a 2 s {@code
 * --auth-token-ttl}), requests without credentials, watch and lease checks, root-only maintenance,
 * membership and raftkv's admin calls (gRPC and HTTP), and JWTs (a second cluster) that go stale
 * when the auth store changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthIT {
  private static final long WAIT_S = 20;

  private Path dir;
  private RaftkvCluster cluster;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private String[] urls(RaftkvCluster c) {
    return c.clientEndpoints().stream().map(e -> "http://" + e).toArray(String[]::new);
  }

  private ManagedChannel channel(RaftkvCluster c, int member) {
    ManagedChannel ch =
        ManagedChannelBuilder.forTarget(c.clientEndpoints().get(member)).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  private static <S extends AbstractStub<S>> S withToken(S stub, String token) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
  }

  /** root (root role), role "a-rw" with readwrite on prefix a/, alice with it; auth enabled. */
  private void setUp(RaftkvCluster c) throws Exception {
    try (Client admin = Client.builder().endpoints(urls(c)).build()) {
      var auth = admin.getAuthClient();
      auth.userAdd(bs("root"), bs("rootpw")).get(WAIT_S, TimeUnit.SECONDS);
      auth.roleAdd(bs("root")).get(WAIT_S, TimeUnit.SECONDS);
      auth.userGrantRole(bs("root"), bs("root")).get(WAIT_S, TimeUnit.SECONDS);
      auth.roleAdd(bs("a-rw")).get(WAIT_S, TimeUnit.SECONDS);
      auth.roleGrantPermission(bs("a-rw"), bs("a/"), bs("a0"), Permission.Type.READWRITE)
          .get(WAIT_S, TimeUnit.SECONDS);
      auth.userAdd(bs("alice"), bs("alicepw")).get(WAIT_S, TimeUnit.SECONDS);
      auth.userGrantRole(bs("alice"), bs("a-rw")).get(WAIT_S, TimeUnit.SECONDS);
      auth.authEnable().get(WAIT_S, TimeUnit.SECONDS);
    }
  }

  private String token(RaftkvCluster c, int member, String user, String password) {
    return AuthGrpc.newBlockingStub(channel(c, member))
        .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS)
        .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build())
        .getToken();
  }

  private static void assertRefused(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isEqualTo(message);
            });
  }

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    cluster =
        RaftkvCluster.start(
            dir.resolve("simple"), 3, 20, 200, c -> c.withAuth(AuthConfig.parse("simple", 2, 4)));
    setUp(cluster);
  }

  @AfterAll
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void jetcdWithUserAndPasswordWorksWithinItsPermissions() throws Exception {
    try (Client root =
            Client.builder()
                .endpoints(urls(cluster))
                .user(bs("root"))
                .password(bs("rootpw"))
                .build();
        Client alice =
            Client.builder()
                .endpoints(urls(cluster))
                .user(bs("alice"))
                .password(bs("alicepw"))
                .build()) {
      root.getKVClient().put(bs("b/1"), bs("root's")).get(WAIT_S, TimeUnit.SECONDS);
      alice.getKVClient().put(bs("a/1"), bs("alice's")).get(WAIT_S, TimeUnit.SECONDS);
      assertThat(alice.getKVClient().get(bs("a/1")).get(WAIT_S, TimeUnit.SECONDS).getKvs())
          .hasSize(1);
      assertThatThrownBy(() -> alice.getKVClient().get(bs("b/1")).get(WAIT_S, TimeUnit.SECONDS))
          .hasMessageContaining("etcdserver: permission denied");
      assertThatThrownBy(
              () -> alice.getKVClient().put(bs("b/2"), bs("x")).get(WAIT_S, TimeUnit.SECONDS))
          .hasMessageContaining("etcdserver: permission denied");
      try (Client wrong =
          Client.builder()
              .endpoints(urls(cluster))
              .user(bs("alice"))
              .password(bs("wrong"))
              .build()) {
        // jetcd reports its failed login as UNAUTHENTICATED, etcd's error as the cause
        assertThatThrownBy(() -> wrong.getKVClient().get(bs("a/1")).get(WAIT_S, TimeUnit.SECONDS))
            .hasStackTraceContaining(
                "etcdserver: authentication failed, invalid user ID or password");
      }
    }
  }

  @Test
  void aSimpleTokenWorksOnEveryMemberAndExpiresAfterItsTtl() throws Exception {
    String token = token(cluster, 0, "alice", "alicepw");
    assertThat(token).matches("[a-zA-Z]{16}\\.\\d+");
    RangeRequest get = RangeRequest.newBuilder().setKey(b("a/1")).build();
    for (int m = 0; m < 3; m++) {
      withToken(KVGrpc.newBlockingStub(channel(cluster, m)), token).range(get);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(cluster, 1));
    StatusRuntimeException refused = null;
    while (refused == null && System.nanoTime() < deadline) {
      Thread.sleep(500); // the token lives 2 s after its last use; this use extends it
      try {
        withToken(kv, token).range(get);
        Thread.sleep(2500); // now unused for longer than its TTL
        withToken(kv, token).range(get);
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(refused.getStatus().getDescription()).isEqualTo("etcdserver: invalid auth token");
  }

  @Test
  void withoutCredentialsTheUserNameIsEmpty() {
    KVGrpc.KVBlockingStub kv =
        KVGrpc.newBlockingStub(channel(cluster, 2)).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
    assertRefused(
        () -> kv.range(RangeRequest.newBuilder().setKey(b("a/1")).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: user name is empty");
    assertRefused(
        () -> kv.put(PutRequest.newBuilder().setKey(b("a/1")).setValue(b("v")).build()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: user name is empty");
    assertRefused(
        () ->
            withToken(KVGrpc.newBlockingStub(channel(cluster, 2)), "forged.1")
                .range(RangeRequest.newBuilder().setKey(b("a/1")).build()),
        Status.Code.UNAUTHENTICATED,
        "etcdserver: invalid auth token");
  }

  @Test
  void aWatchOverAForbiddenRangeIsCanceledAtCreation() throws Exception {
    String token = token(cluster, 1, "alice", "alicepw");
    LinkedBlockingQueue<WatchResponse> replies = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests =
        withToken(WatchGrpc.newStub(channel(cluster, 1)), token)
            .watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse r) {
                    replies.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        WatchRequest.newBuilder()
            .setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("b/")).setRangeEnd(b("b0")))
            .build());
    WatchResponse refused = replies.poll(WAIT_S, TimeUnit.SECONDS);
    assertThat(refused).isNotNull();
    assertThat(refused.getCreated()).isTrue();
    assertThat(refused.getCanceled()).isTrue();
    assertThat(refused.getWatchId()).isEqualTo(-1);
    assertThat(refused.getCancelReason())
        .isEqualTo("rpc error: code = PermissionDenied desc = etcdserver: permission denied");
    requests.onNext(
        WatchRequest.newBuilder()
            .setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("a/")).setRangeEnd(b("a0")))
            .build());
    WatchResponse created = replies.poll(WAIT_S, TimeUnit.SECONDS);
    assertThat(created.getCreated()).isTrue();
    assertThat(created.getCanceled()).isFalse();
    requests.onCompleted();
  }

  @Test
  void aLeasesKeysNeedWriteToRevokeAndReadToInspect() throws Exception {
    long lease;
    try (Client root =
        Client.builder().endpoints(urls(cluster)).user(bs("root")).password(bs("rootpw")).build()) {
      lease = root.getLeaseClient().grant(60).get(WAIT_S, TimeUnit.SECONDS).getID();
      root.getKVClient()
          .put(bs("b/leased"), bs("v"), PutOption.builder().withLeaseId(lease).build())
          .get(WAIT_S, TimeUnit.SECONDS);
    }
    String token = token(cluster, 0, "alice", "alicepw");
    LeaseGrpc.LeaseBlockingStub leases =
        withToken(LeaseGrpc.newBlockingStub(channel(cluster, 0)), token);
    assertRefused(
        () -> leases.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build()),
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    assertRefused(
        () ->
            leases.leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build()),
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    String rootToken = token(cluster, 0, "root", "rootpw");
    withToken(LeaseGrpc.newBlockingStub(channel(cluster, 0)), rootToken)
        .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
  }

  @Test
  void maintenanceMembershipAndAdminCallsNeedRoot() throws Exception {
    String alice = token(cluster, 0, "alice", "alicepw");
    String root = token(cluster, 0, "root", "rootpw");
    ManagedChannel ch = channel(cluster, 0);
    assertRefused(
        () ->
            withToken(MaintenanceGrpc.newBlockingStub(ch), alice)
                .hash(HashRequest.getDefaultInstance()),
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    withToken(MaintenanceGrpc.newBlockingStub(ch), alice)
        .status(StatusRequest.getDefaultInstance());
    withToken(MaintenanceGrpc.newBlockingStub(ch), root).hash(HashRequest.getDefaultInstance());
    assertRefused(
        () ->
            withToken(ClusterGrpc.newBlockingStub(ch), alice)
                .memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:1").build()),
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    assertRefused(
        () ->
            withToken(AuthGrpc.newBlockingStub(ch), alice)
                .roleAdd(AuthRoleAddRequest.newBuilder().setName("x").build()),
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    assertRefused(
        () ->
            withToken(AuthGrpc.newBlockingStub(ch), alice)
                .userAdd(
                    dev.raftkv.api.etcdserverpb.AuthUserAddRequest.newBuilder()
                        .setName("mallory")
                        .setPassword("pw")
                        .build()),
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    // raftkv's admin service on the client port
    assertRefused(
        () ->
            withToken(AdminGrpc.newBlockingStub(ch), alice)
                .detach(DetachRequest.getDefaultInstance()),
        Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    assertRefused(
        () -> AdminGrpc.newBlockingStub(ch).detach(DetachRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "etcdserver: user name is empty");
    withToken(AdminGrpc.newBlockingStub(ch), root).detach(DetachRequest.getDefaultInstance());
    withToken(AdminGrpc.newBlockingStub(ch), root).attach(AttachRequest.getDefaultInstance());
    // and the admin HTTP endpoint
    String admin = cluster.server(1).adminUrl();
    HttpClient http = HttpClient.newHttpClient();
    assertThat(post(http, admin + "/detach", null).statusCode()).isEqualTo(401);
    assertThat(post(http, admin + "/detach", "forged.1").statusCode()).isEqualTo(401);
    assertThat(post(http, admin + "/detach", alice).statusCode()).isEqualTo(403);
    assertThat(post(http, admin + "/detach", root).statusCode()).isEqualTo(200);
    assertThat(post(http, admin + "/attach", root).statusCode()).isEqualTo(200);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(admin + "/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isIn(200, 503);
  }

  private static HttpResponse<String> post(HttpClient http, String url, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  @Test
  void aJwtFromBeforeAnAuthChangeIsOldAndAFreshOneWorksOnEveryMember() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    Path pub =
        Files.writeString(dir.resolve("jwt.pub"), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
    Path priv =
        Files.writeString(dir.resolve("jwt.key"), pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
    AuthConfig jwt =
        AuthConfig.parse(
            "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256,ttl=5m", 300, 4);
    try (RaftkvCluster c =
        RaftkvCluster.start(dir.resolve("jwt"), 3, 20, 200, cfg -> cfg.withAuth(jwt))) {
      setUp(c);
      String old = token(c, 0, "alice", "alicepw");
      assertThat(old.split("\\.")).hasSize(3);
      PutRequest put = PutRequest.newBuilder().setKey(b("a/j")).setValue(b("v")).build();
      withToken(KVGrpc.newBlockingStub(channel(c, 2)), old).put(put);
      String root = token(c, 1, "root", "rootpw");
      withToken(AuthGrpc.newBlockingStub(channel(c, 1)), root)
          .roleAdd(AuthRoleAddRequest.newBuilder().setName("another").build());
      assertRefused(
          () -> withToken(KVGrpc.newBlockingStub(channel(c, 2)), old).put(put),
          Status.Code.INVALID_ARGUMENT,
          "etcdserver: revision of auth store is old");
      String fresh = token(c, 2, "alice", "alicepw");
      withToken(KVGrpc.newBlockingStub(channel(c, 0)), fresh).put(put);
      // jetcd takes a new token when told the old one is stale
      try (Client alice =
          Client.builder().endpoints(urls(c)).user(bs("alice")).password(bs("alicepw")).build()) {
        alice.getKVClient().put(bs("a/k"), bs("1")).get(WAIT_S, TimeUnit.SECONDS);
      }
    }
  }
}

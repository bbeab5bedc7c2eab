package dev.raftkv.compat;

import static dev.raftkv.compat.CtlCase.ctl;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.AuthenticateRequest;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.server.AuthConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auth suite of {@link EtcdctlAuthCompatIT} again, with everything on at once, as Kubernetes
 * runs etcd: a 3-member real etcd and a 3-member raftkv, both with client TLS, peer TLS, client
 * certificates required on both sides ({@code --client-cert-auth}, {@code
 * --peer-client-cert-auth}), the same certificates made at test time ({@link TlsFixture}), and
 * etcd's auth. etcdctl presents a certificate whose CN ({@code etcdctl}) is no user, so a command
 * without {@code --user} is made as that name once auth is enabled (etcd's CN authentication). Then
 * the cases of this suite: CN authentication with a certificate naming a user ({@code alice}) and
 * one naming {@code root}, etcdctl without a client certificate, and a simple token used after its
 * TTL (over gRPC; etcdctl authenticates afresh on every run). Outputs are compared as {@link
 * EtcdctlCompatIT} compares them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdctlSecureCompatIT {
  /** Seconds a simple token lives unused, on both: short, for the expiry case. */
  private static final int TOKEN_TTL = 4;

  private TlsFixture certs;
  private RealEtcdCluster etcd;
  private RaftkvCluster raftkv;
  private ClusterSide expected;
  private ClusterSide actual;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Binaries.requireEtcdctl();
    Binaries.requireEtcd();
    certs = TlsFixture.create(Files.createDirectories(dir.resolve("tls")));
    etcd =
        RealEtcdCluster.start(
            dir.resolve("etcd"),
            3,
            100,
            1000,
            certs,
            List.of("--bcrypt-cost=4", "--auth-token-ttl=" + TOKEN_TTL));
    raftkv =
        RaftkvCluster.start(
            dir.resolve("raftkv"),
            3,
            100,
            1000,
            certs.members(),
            c -> c.withAuth(AuthConfig.parse("simple", TOKEN_TTL, 4)));
    expected =
        new ClusterSide(
            "etcd",
            etcd.clientEndpoints(),
            etcd.peerEndpoints(),
            etcd.memberNames(),
            Files.createDirectories(dir.resolve("etcd-out")),
            certs.etcdctlFlags(),
            "https");
    actual =
        new ClusterSide(
            "raftkv",
            raftkv.clientEndpoints(),
            raftkv.peerEndpoints(),
            raftkv.memberNames(),
            Files.createDirectories(dir.resolve("raftkv-out")),
            certs.etcdctlFlags(),
            "https");
    expected.captureMemberIds();
    actual.captureMemberIds();
  }

  @AfterAll
  void stop() {
    if (raftkv != null) {
      raftkv.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> authOverTlsWithClientCertificates() {
    List<Step> steps = new ArrayList<>(EtcdctlAuthCompatIT.steps());
    String[] alice = certs.certFlags("alice").toArray(String[]::new);
    String[] root = certs.certFlags("client").toArray(String[]::new);
    steps.addAll(
        List.of(
            // the suite ends with auth disabled and no root: set up again
            ctl("user", "add", "root:rootpw"),
            ctl("user", "grant-role", "root", "root"),
            // alice is still there (the suite changed her password to newpw)
            ctl("user", "passwd", "alice", "--interactive=false").stdin("alicepw\n"),
            ctl("role", "add", "cn-reader"),
            ctl("role", "grant-permission", "cn-reader", "read", "cn/", "--prefix"),
            ctl("user", "grant-role", "alice", "cn-reader"),
            ctl("put", "cn/a", "1"),
            ctl("put", "secret", "s"),
            ctl("auth", "enable"),
            // CN authentication: the certificate's CN is the user when there is no token
            ctl(concat(alice, "get", "cn/", "--prefix")),
            new Expect(ctl(concat(alice, "get", "cn/a", "--print-value-only")), 0, "1"),
            ctl(concat(alice, "get", "secret")),
            new Expect(ctl(concat(alice, "get", "secret")), 1, "permission denied"),
            ctl(concat(alice, "put", "cn/b", "2")),
            ctl(concat(alice, "user", "list")),
            ctl(concat(root, "user", "list")),
            new Expect(ctl(concat(root, "user", "list")), 0, "alice"),
            ctl(concat(root, "put", "cn/b", "2")),
            ctl(concat(root, "get", "cn/", "--prefix")),
            // a token wins over the certificate's CN
            ctl(concat(root, "--user=alice:alicepw", "put", "secret", "t")),
            ctl(concat(alice, "--user=root:rootpw", "get", "secret")),
            // the default certificate's CN names no user
            ctl("get", "cn/a"),
            // no client certificate: refused at the TLS handshake by both
            ctl("--cert=", "--key=", "--dial-timeout=2s", "--command-timeout=3s", "get", "cn/a"),
            new TokenExpiry(),
            new JetcdWithPassword(),
            ctl(concat(root, "auth", "disable")),
            ctl("get", "secret")));
    return steps.stream()
        .map(s -> DynamicTest.dynamicTest(s.name(), () -> s.run(expected, actual)));
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = new String[first.length + rest.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  /**
   * A case whose outcome is also checked on both sides, so that equal outputs cannot hide a setup
   * in which every command fails the same way: its exit code, and a text its output contains.
   */
  private record Expect(CtlCase ctl, int exitCode, String contains) implements Step {
    @Override
    public String name() {
      return ctl.name() + " [exit " + exitCode + ", prints '" + contains + "']";
    }

    @Override
    public void run(ClusterSide want, ClusterSide got) throws Exception {
      for (ClusterSide side : List.of(want, got)) {
        Etcdctl.Result r = ctl.runOn(side);
        assertThat(r.exitCode()).as("%s: %s", side, r.all()).isEqualTo(exitCode);
        assertThat(r.stdout() + r.stderr()).as("%s", side).contains(contains);
      }
    }
  }

  /**
   * jetcd over TLS with a client certificate and a user name and password (alice): her reads work
   * and her write outside her permission fails with etcd's error, the same on both sides.
   */
  private final class JetcdWithPassword implements Step {
    @Override
    public String name() {
      return "jetcd over TLS with a client certificate and user alice's password";
    }

    @Override
    public void run(ClusterSide want, ClusterSide got) throws Exception {
      assertThat(outcome(got)).isEqualTo(outcome(want)).startsWith("cn/a=1; ");
    }

    private String outcome(ClusterSide side) throws Exception {
      // jetcd runs on unshaded grpc-netty
      io.netty.handler.ssl.SslContext ssl =
          io.grpc.netty.GrpcSslContexts.forClient()
              .trustManager(certs.ca().toFile())
              .keyManager(certs.cert("etcdctl").toFile(), certs.key("etcdctl").toFile())
              .build();
      try (Client client =
          Client.builder()
              .endpoints(
                  side.clientEndpoints.stream().map(e -> "https://" + e).toArray(String[]::new))
              .sslContext(ssl)
              .user(ByteSequence.from("alice", StandardCharsets.UTF_8))
              .password(ByteSequence.from("alicepw", StandardCharsets.UTF_8))
              .build()) {
        GetResponse r =
            client
                .getKVClient()
                .get(ByteSequence.from("cn/a", StandardCharsets.UTF_8))
                .get(20, TimeUnit.SECONDS);
        String read = "cn/a=" + r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
        try {
          client
              .getKVClient()
              .put(
                  ByteSequence.from("secret", StandardCharsets.UTF_8),
                  ByteSequence.from("j", StandardCharsets.UTF_8))
              .get(20, TimeUnit.SECONDS);
          return read + "; the put went through";
        } catch (ExecutionException e) {
          return read + "; " + e.getCause().getMessage();
        }
      }
    }
  }

  /**
   * alice's simple token works, then fails with etcd's error once it has gone unused for longer
   * than the TTL: over gRPC with the {@code etcdctl} certificate, the same on both sides.
   */
  private final class TokenExpiry implements Step {
    @Override
    public String name() {
      return "a simple token unused for longer than --auth-token-ttl (" + TOKEN_TTL + " s)";
    }

    @Override
    public void run(ClusterSide want, ClusterSide got) throws Exception {
      ManagedChannel e = channel(want);
      ManagedChannel r = channel(got);
      try {
        String et = token(e);
        String rt = token(r);
        assertThat(range(r, rt)).isEqualTo(range(e, et)).isEqualTo("ok 1");
        Thread.sleep(TimeUnit.SECONDS.toMillis(TOKEN_TTL + 2));
        String fromEtcd = range(e, et);
        assertThat(fromEtcd).contains("invalid auth token");
        assertThat(range(r, rt)).isEqualTo(fromEtcd);
      } finally {
        e.shutdownNow();
        r.shutdownNow();
      }
    }

    private ManagedChannel channel(ClusterSide side) throws Exception {
      return NettyChannelBuilder.forTarget(side.clientEndpoints.get(0))
          .sslContext(
              GrpcSslContexts.forClient()
                  .trustManager(certs.ca().toFile())
                  .keyManager(certs.cert("etcdctl").toFile(), certs.key("etcdctl").toFile())
                  .build())
          .build();
    }

    private String token(ManagedChannel ch) {
      return AuthGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .authenticate(
              AuthenticateRequest.newBuilder().setName("alice").setPassword("alicepw").build())
          .getToken();
    }

    /** "ok COUNT", or the status code and description of the failure. */
    private String range(ManagedChannel ch, String token) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
      try {
        return "ok "
            + KVGrpc.newBlockingStub(ch)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("cn/a")).build())
                .getCount();
      } catch (StatusRuntimeException ex) {
        return ex.getStatus().getCode() + " " + ex.getStatus().getDescription();
      }
    }
  }
}

package dev.raftkv.compat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.AuthenticateRequest;
import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.AttachRequest;
import dev.raftkv.api.raftkvpb.DetachRequest;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.api.raftkvpb.MemberStatusRequest;
import dev.raftkv.server.AuthConfig;
import dev.raftkv.server.ServerConfig;
import dev.raftkv.server.tls.PemFiles;
import dev.raftkv.server.tls.Pki;
import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.server.tls.TlsSettings;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * raftkv's admin changes from another host, on a real 3-member raftkv whose member r1 has its admin
 * endpoint on this machine's non-loopback address ({@code --listen-admin-urls}) and its client port
 * on every address (advertised on loopback): a call sent to that address comes from it, so it is
 * not local. While auth is disabled such a call is refused over HTTP (403) and over the admin gRPC
 * service (PERMISSION_DENIED) with {@code AdminAccess}'s message, and allowed from loopback or with
 * a verified client certificate; once auth is enabled only root may, from anywhere.
 */
class AdminAccessIT {
  private static final long WAIT_S = 20;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private String host;

  @BeforeEach
  void findAnotherAddress() throws SocketException {
    Optional<String> address = nonLoopbackIpv4();
    Assumptions.assumeTrue(address.isPresent(), "no non-loopback IPv4 address on this machine");
    host = address.get();
  }

  @AfterEach
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  /** An address of an interface that is up and not loopback, if there is one. */
  private static Optional<String> nonLoopbackIpv4() throws SocketException {
    for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : nic.inetAddresses().toList()) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return Optional.of(a.getHostAddress());
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Member r1 with its admin endpoint on {@link #host} and its client port on every address,
   * advertised on 127.0.0.1 (the same ports the cluster chose on loopback); the others unchanged.
   */
  private ServerConfig moveR1(ServerConfig c) {
    if (!c.name().equals("r1")) {
      return c;
    }
    String scheme = c.clientUrl().getScheme();
    int clientPort = c.clientUrl().getPort();
    return new ServerConfig(
        c.name(),
        c.dataDir(),
        URI.create(scheme + "://0.0.0.0:" + clientPort),
        c.peerUrl(),
        URI.create(c.adminUrl().getScheme() + "://" + host + ":" + c.adminUrl().getPort()),
        c.initialCluster(),
        c.newCluster(),
        c.token(),
        c.heartbeatMs(),
        c.electionMs(),
        List.of(URI.create(scheme + "://127.0.0.1:" + clientPort)),
        c.snapshotCount(),
        List.of(),
        c.tls(),
        c.auth());
  }

  private static int clientPort(RaftkvCluster cluster, int member) {
    return cluster.server(member).config().clientUrl().getPort();
  }

  private ManagedChannel plaintext(String address, int port) {
    ManagedChannel ch = NettyChannelBuilder.forAddress(address, port).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  private AdminGrpc.AdminBlockingStub admin(ManagedChannel ch, String token) {
    AdminGrpc.AdminBlockingStub stub = AdminGrpc.newBlockingStub(ch);
    if (token != null) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }
    return stub.withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> post(HttpClient client, String url, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String notLocal() {
    return "admin changes (detach, attach, block, unblock) are refused from "
        + host
        + ": only a caller on loopback, a caller with a client certificate signed by"
        + " --trusted-ca-file, or the root user once auth is enabled may make them";
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

  @Test
  void withoutAuthAnotherHostIsRefusedAndLoopbackIsNot(@TempDir Path dir) throws Exception {
    try (RaftkvCluster cluster =
        RaftkvCluster.start(dir, 3, 20, 200, TlsSettings.NONE, this::moveR1)) {
      String remoteAdmin = cluster.server(0).adminUrl();
      assertThat(remoteAdmin).isEqualTo("http://" + host + ":" + URI.create(remoteAdmin).getPort());
      // the admin endpoint, from this machine's other address
      HttpResponse<String> refused = post(http, remoteAdmin + "/detach", null);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains(notLocal());
      assertThat(post(http, remoteAdmin + "/block?peers=1", null).statusCode()).isEqualTo(403);
      assertThat(get(http, remoteAdmin + "/health").statusCode()).isEqualTo(200);
      assertThat(get(http, remoteAdmin + "/status").body()).contains("\"detached\":false");
      // a member whose admin endpoint is on loopback
      String localAdmin = cluster.server(1).adminUrl();
      assertThat(localAdmin).startsWith("http://127.0.0.1:");
      assertThat(post(http, localAdmin + "/detach", null).statusCode()).isEqualTo(200);
      assertThat(get(http, localAdmin + "/status").body()).contains("\"detached\":true");
      assertThat(post(http, localAdmin + "/attach", null).statusCode()).isEqualTo(200);

      // the admin gRPC service on r1's client port, reached at the other address
      ManagedChannel remote = plaintext(host, clientPort(cluster, 0));
      assertRefused(
          () -> admin(remote, null).detach(DetachRequest.getDefaultInstance()),
          Status.Code.PERMISSION_DENIED,
          notLocal());
      assertThat(admin(remote, null).status(MemberStatusRequest.getDefaultInstance()).getDetached())
          .isFalse();
      // and at loopback
      ManagedChannel local = plaintext("127.0.0.1", clientPort(cluster, 0));
      assertThat(admin(local, null).detach(DetachRequest.getDefaultInstance()).getDetached())
          .isTrue();
      assertThat(admin(local, null).attach(AttachRequest.getDefaultInstance()).getDetached())
          .isFalse();
    }
  }

  @Test
  void withAuthOnlyRootMayFromAnywhere(@TempDir Path dir) throws Exception {
    try (RaftkvCluster cluster =
        RaftkvCluster.start(
            dir,
            3,
            20,
            200,
            TlsSettings.NONE,
            c -> moveR1(c).withAuth(AuthConfig.parse("simple", 300, 4)))) {
      enableAuth(cluster);
      ManagedChannel local = plaintext("127.0.0.1", clientPort(cluster, 0));
      String alice = token(local, "alice", "alicepw");
      String root = token(local, "root", "rootpw");
      assertRefused(
          () -> admin(local, null).detach(DetachRequest.getDefaultInstance()),
          Status.Code.INVALID_ARGUMENT,
          "etcdserver: user name is empty");
      assertRefused(
          () -> admin(local, alice).detach(DetachRequest.getDefaultInstance()),
          Status.Code.PERMISSION_DENIED,
          "etcdserver: permission denied");
      assertThat(admin(local, root).detach(DetachRequest.getDefaultInstance()).getDetached())
          .isTrue();
      assertThat(admin(local, root).attach(AttachRequest.getDefaultInstance()).getDetached())
          .isFalse();
      // root from the other address: the address no longer matters, over gRPC and HTTP alike
      ManagedChannel remote = plaintext(host, clientPort(cluster, 0));
      assertRefused(
          () -> admin(remote, alice).detach(DetachRequest.getDefaultInstance()),
          Status.Code.PERMISSION_DENIED,
          "etcdserver: permission denied");
      MemberStatus detached = admin(remote, root).detach(DetachRequest.getDefaultInstance());
      assertThat(detached.getDetached()).isTrue();
      admin(remote, root).attach(AttachRequest.getDefaultInstance());
      String remoteAdmin = cluster.server(0).adminUrl();
      HttpResponse<String> empty = post(http, remoteAdmin + "/detach", null);
      assertThat(empty.statusCode()).isEqualTo(401);
      assertThat(empty.body()).contains("etcdserver: user name is empty");
      HttpResponse<String> denied = post(http, remoteAdmin + "/detach", alice);
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(denied.body()).contains("etcdserver: permission denied");
      assertThat(post(http, remoteAdmin + "/detach", root).statusCode()).isEqualTo(200);
      assertThat(post(http, remoteAdmin + "/attach", root).statusCode()).isEqualTo(200);
    }
  }

  /** root (root role), alice (a role without permissions); auth enabled. */
  private static void enableAuth(RaftkvCluster cluster) throws Exception {
    String[] endpoints =
        java.util.stream.IntStream.range(0, 3)
            .mapToObj(i -> "http://127.0.0.1:" + clientPort(cluster, i))
            .toArray(String[]::new);
    try (Client client = Client.builder().endpoints(endpoints).build()) {
      var auth = client.getAuthClient();
      auth.userAdd(bs("root"), bs("rootpw")).get(WAIT_S, TimeUnit.SECONDS);
      auth.roleAdd(bs("root")).get(WAIT_S, TimeUnit.SECONDS);
      auth.userGrantRole(bs("root"), bs("root")).get(WAIT_S, TimeUnit.SECONDS);
      auth.roleAdd(bs("reader")).get(WAIT_S, TimeUnit.SECONDS);
      auth.userAdd(bs("alice"), bs("alicepw")).get(WAIT_S, TimeUnit.SECONDS);
      auth.userGrantRole(bs("alice"), bs("reader")).get(WAIT_S, TimeUnit.SECONDS);
      auth.authEnable().get(WAIT_S, TimeUnit.SECONDS);
    }
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  private static String token(ManagedChannel ch, String user, String password) {
    return AuthGrpc.newBlockingStub(ch)
        .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS)
        .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build())
        .getToken();
  }

  @Test
  void withoutAuthAVerifiedCertificateIsEnoughFromAnotherHost(@TempDir Path dir) throws Exception {
    Path tls = certificates(dir);
    TlsFiles files = memberFiles(tls, true);
    try (RaftkvCluster cluster =
        RaftkvCluster.start(
            dir.resolve("data"), 3, 20, 200, new TlsSettings(files, files, null), this::moveR1)) {
      String remoteAdmin = cluster.server(0).adminUrl();
      assertThat(remoteAdmin).startsWith("https://" + host + ":");
      // HTTPS without a client certificate: the handshake asks for one without requiring it
      HttpClient anonymous = HttpClient.newBuilder().sslContext(jdkContext(tls, null)).build();
      HttpResponse<String> refused = post(anonymous, remoteAdmin + "/detach", null);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains(notLocal());
      assertThat(get(anonymous, remoteAdmin + "/health").statusCode()).isEqualTo(200);
      // with the client certificate
      HttpClient certified = HttpClient.newBuilder().sslContext(jdkContext(tls, "client")).build();
      assertThat(post(certified, remoteAdmin + "/detach", null).statusCode()).isEqualTo(200);
      assertThat(post(certified, remoteAdmin + "/attach", null).statusCode()).isEqualTo(200);
      // the admin gRPC service (client-cert-auth: every TLS client presents one)
      ManagedChannel remote = tlsChannel(tls, host, clientPort(cluster, 0), "client");
      assertThat(admin(remote, null).detach(DetachRequest.getDefaultInstance()).getDetached())
          .isTrue();
      assertThat(admin(remote, null).attach(AttachRequest.getDefaultInstance()).getDetached())
          .isFalse();
    }
  }

  /**
   * Client TLS that asks for a certificate without requiring one (a trusted CA, no
   * --client-cert-auth): from another host, TLS alone is not enough, nor a certificate with CN root
   * that another CA signed; one the trusted CA signed is.
   */
  @Test
  void withoutAuthTlsAloneOrAnUntrustedCertificateIsNotEnough(@TempDir Path dir) throws Exception {
    Path tls = certificates(dir);
    TlsFiles files = memberFiles(tls, false);
    try (RaftkvCluster cluster =
        RaftkvCluster.start(
            dir.resolve("data"), 3, 20, 200, new TlsSettings(files, files, null), this::moveR1)) {
      int port = clientPort(cluster, 0);
      ManagedChannel anonymous = tlsChannel(tls, host, port, null);
      assertRefused(
          () -> admin(anonymous, null).detach(DetachRequest.getDefaultInstance()),
          Status.Code.PERMISSION_DENIED,
          notLocal());
      // another CA's certificate fails the handshake (or would be refused); it never detaches
      ManagedChannel untrusted = tlsChannel(tls, host, port, "rogue");
      assertThatThrownBy(() -> admin(untrusted, null).detach(DetachRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class);
      String remoteAdmin = cluster.server(0).adminUrl();
      HttpClient rogue = HttpClient.newBuilder().sslContext(jdkContext(tls, "rogue")).build();
      try {
        assertThat(post(rogue, remoteAdmin + "/detach", null).statusCode()).isEqualTo(403);
      } catch (java.io.IOException refusedAtTheHandshake) {
        // as good
      }
      assertThat(
              admin(anonymous, null).status(MemberStatusRequest.getDefaultInstance()).getDetached())
          .isFalse();
      ManagedChannel trusted = tlsChannel(tls, host, port, "client");
      assertThat(admin(trusted, null).detach(DetachRequest.getDefaultInstance()).getDetached())
          .isTrue();
      assertThat(admin(trusted, null).attach(AttachRequest.getDefaultInstance()).getDetached())
          .isFalse();
    }
  }

  /**
   * A CA ({@code ca.crt}), a member certificate it signs for loopback and {@link #host} ({@code
   * member.crt}), a client certificate with CN root ({@code client.crt}), and one with CN root from
   * another CA ({@code rogue.crt}), all in {@code dir/tls}.
   */
  private Path certificates(Path dir) throws java.io.IOException {
    Path tls = java.nio.file.Files.createDirectories(dir.resolve("tls"));
    Pki.KeyAndCertificate ca = Pki.newCa("admin test CA");
    ca.write(tls.resolve("ca.crt"), tls.resolve("ca.key"));
    Pki.issue(ca, "member", List.of("127.0.0.1", "localhost", host))
        .write(tls.resolve("member.crt"), tls.resolve("member.key"));
    Pki.issue(ca, "root", List.of()).write(tls.resolve("client.crt"), tls.resolve("client.key"));
    Pki.KeyAndCertificate other = Pki.newCa("another CA");
    Pki.issue(other, "root", List.of()).write(tls.resolve("rogue.crt"), tls.resolve("rogue.key"));
    return tls;
  }

  private static TlsFiles memberFiles(Path tls, boolean clientCertAuth) {
    return new TlsFiles(
        tls.resolve("member.crt"),
        tls.resolve("member.key"),
        tls.resolve("ca.crt"),
        clientCertAuth,
        false);
  }

  /** A gRPC channel over TLS trusting the test CA, presenting certificate {@code cert} if given. */
  private ManagedChannel tlsChannel(Path tls, String address, int port, String cert)
      throws javax.net.ssl.SSLException {
    var ssl = GrpcSslContexts.forClient().trustManager(tls.resolve("ca.crt").toFile());
    if (cert != null) {
      ssl.keyManager(tls.resolve(cert + ".crt").toFile(), tls.resolve(cert + ".key").toFile());
    }
    ManagedChannel ch =
        NettyChannelBuilder.forAddress(address, port).sslContext(ssl.build()).build();
    channels.add(ch);
    return ch;
  }

  /** A JDK context trusting the test CA, presenting certificate {@code cert} if given. */
  private static SSLContext jdkContext(Path tls, String cert) throws Exception {
    char[] none = new char[0];
    KeyStore cas = KeyStore.getInstance("PKCS12");
    cas.load(null, none);
    cas.setCertificateEntry("ca", PemFiles.readCertificates("ca", tls.resolve("ca.crt")).get(0));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(cas);
    KeyManagerFactory kmf = null;
    if (cert != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, none);
      keys.setKeyEntry(
          "client",
          PemFiles.readPrivateKey("key", tls.resolve(cert + ".key")),
          none,
          PemFiles.readCertificates("cert", tls.resolve(cert + ".crt"))
              .toArray(new X509Certificate[0]));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, none);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }
}

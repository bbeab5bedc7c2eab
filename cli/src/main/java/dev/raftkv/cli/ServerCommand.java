package dev.raftkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftkv.cli.logging.Logging;
import dev.raftkv.replicator.SeedConfig;
import dev.raftkv.replicator.SeedJson;
import dev.raftkv.server.AuthConfig;
import dev.raftkv.server.RaftkvServer;
import dev.raftkv.server.ServerConfig;
import dev.raftkv.server.tls.CipherSuites;
import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.server.tls.TlsSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code raftkv server}: runs one member until it is stopped (SIGTERM or Ctrl-C). */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one raftkv member, named by etcd-style flags or either seed document's form:",
      "  etcd-style flags:   raftkv server --name n1 --initial-cluster n1=http://127.0.0.1:2380,...",
      "  seed document 000:  raftkv server --seed-config config.json --id 1",
      "  seed document 002:  raftkv server 1 9001   (peers from ./peer.json, or --peer-json)",
      "Member ids: a member whose name is a number has that id; others get a hash of their"
          + " peer URL and the cluster token. The admin endpoint (--listen-admin-urls) answers"
          + " /health and /status to anyone, and /detach, /attach, /block and /unblock (as the"
          + " raftkvpb.Admin service on the client port does) only to a caller over loopback or"
          + " with a client certificate signed by --trusted-ca-file while auth is disabled, and"
          + " only to the root user (token or certificate CN) once it is enabled.",
      "TLS as etcd's: an https:// client URL needs --cert-file and --key-file (or --auto-tls),"
          + " an https:// peer URL --peer-cert-file and --peer-key-file (or --peer-auto-tls);"
          + " http:// URLs stay plaintext. See docs/security.md."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:stopped cleanly",
      "1:could not start (port in use, data dir of another cluster, damaged data), or stopped"
          + " itself because its raft node failed (a storage error such as a failed fsync, or"
          + " out of memory: the launchers pass -XX:+ExitOnOutOfMemoryError)",
      "2:bad flags or configuration file"
    })
final class ServerCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      arity = "0..2",
      paramLabel = "ID PORT",
      description = "Seed document 002 form: this server's id and client port.")
  List<String> seed002;

  @Option(names = "--name", description = "This member's name (default: default).")
  String name;

  @Option(names = "--data-dir", description = "Data directory (default: <name>.raftkv).")
  Path dataDir;

  @Option(
      names = "--listen-client-urls",
      description =
          "Where clients connect, comma-separated; http:// and https:// may be mixed, each is"
              + " served on its own (default: http://127.0.0.1:2379).")
  String clientUrl;

  @Option(
      names = "--listen-peer-urls",
      description =
          "Where other members connect; https:// makes every peer connection TLS (default:"
              + " http://127.0.0.1:2380).")
  String peerUrl;

  @Option(
      names = "--advertise-client-urls",
      description =
          "The client URLs this member publishes to the cluster, comma-separated: what"
              + " 'etcdctl member list' shows and where members forward leader-only calls"
              + " (default: the --listen-client-urls URL; required if that is 0.0.0.0).")
  String advertiseClientUrls;

  @Option(
      names = "--initial-advertise-peer-urls",
      description =
          "The peer URL the other members reach this member at; must be this member's URL in"
              + " --initial-cluster (default: the --listen-peer-urls URL).")
  String advertisePeerUrls;

  @Option(
      names = {"--listen-admin-urls", "--listen-admin-url"},
      description =
          "The admin HTTP endpoint, one URL (default: 127.0.0.1 and the peer port + 1; https://"
              + " when a client URL is https://, with the client certificate). Its changes"
              + " (detach, attach, block, unblock) are refused from other hosts unless the caller"
              + " presents a client certificate signed by --trusted-ca-file, and need the root"
              + " user once auth is enabled; /health and /status are open to anyone who can"
              + " reach it.")
  String adminUrl;

  @Option(
      names = "--cert-file",
      paramLabel = "FILE",
      description = "The PEM certificate served on https:// client URLs and the admin URL.")
  Path certFile;

  @Option(names = "--key-file", paramLabel = "FILE", description = "The key of --cert-file (PEM).")
  Path keyFile;

  @Option(
      names = "--trusted-ca-file",
      paramLabel = "FILE",
      description =
          "PEM CA certificates that sign client certificates; a client certificate given is"
              + " checked against them.")
  Path trustedCaFile;

  @Option(
      names = "--client-cert-auth",
      description =
          "Clients must present a certificate signed by --trusted-ca-file (refused at the TLS"
              + " handshake otherwise).")
  boolean clientCertAuth;

  @Option(
      names = "--auto-tls",
      description =
          "Without --cert-file/--key-file: serve https:// client URLs with a self-signed"
              + " certificate made in <data-dir>/fixtures/client.")
  boolean autoTls;

  @Option(
      names = "--peer-cert-file",
      paramLabel = "FILE",
      description =
          "The PEM certificate of an https:// peer URL, also presented to the other members.")
  Path peerCertFile;

  @Option(
      names = "--peer-key-file",
      paramLabel = "FILE",
      description = "The key of --peer-cert-file (PEM).")
  Path peerKeyFile;

  @Option(
      names = "--peer-trusted-ca-file",
      paramLabel = "FILE",
      description =
          "PEM CA certificates that sign the other members' certificates (checked both ways,"
              + " with their host names when this member connects).")
  Path peerTrustedCaFile;

  @Option(
      names = "--peer-client-cert-auth",
      description =
          "Members connecting must present a certificate signed by --peer-trusted-ca-file"
              + " (refused at the TLS handshake, before the cluster-id check, otherwise).")
  boolean peerClientCertAuth;

  @Option(
      names = "--peer-auto-tls",
      description =
          "Without --peer-cert-file/--peer-key-file: a self-signed peer certificate made in"
              + " <data-dir>/fixtures/peer; the other members' certificates are then not"
              + " verified, as in etcd.")
  boolean peerAutoTls;

  @Option(
      names = "--cipher-suites",
      paramLabel = "SUITE,...",
      description =
          "TLS 1.2 cipher suites of client and peer TLS, etcd's (Go) names, comma-separated,"
              + " e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (default: the JDK's). TLS 1.2 is the"
              + " minimum; TLS 1.3's suites are not configurable, as in etcd.")
  String cipherSuites;

  @Option(
      names = "--initial-cluster",
      description = "Founding members: name=peerURL,... (default: <name>=<peer url>).")
  String initialCluster;

  @Option(
      names = "--initial-cluster-state",
      defaultValue = "new",
      description = "new or existing (default: ${DEFAULT-VALUE}).")
  String clusterState;

  @Option(
      names = "--initial-cluster-token",
      defaultValue = "raftkv-cluster",
      description = "Tells clusters apart (default: ${DEFAULT-VALUE}).")
  String token;

  @Option(
      names = "--heartbeat-interval",
      defaultValue = "100",
      description = "Milliseconds between heartbeats; one Raft tick (default: ${DEFAULT-VALUE}).")
  int heartbeatMs;

  @Option(
      names = "--election-timeout",
      defaultValue = "1000",
      description = "Election timeout in milliseconds (default: ${DEFAULT-VALUE}).")
  int electionMs;

  @Option(
      names = "--snapshot-count",
      defaultValue = "100000",
      description =
          "Applied entries between two snapshots; the Raft log before a snapshot is then"
              + " discarded (etcd's flag; default: ${DEFAULT-VALUE}).")
  long snapshotCount;

  @Option(
      names = "--quota-backend-bytes",
      defaultValue = "0",
      description =
          "Raise a NOSPACE alarm and refuse writes once the store takes this many bytes (etcd's"
              + " flag; 0: etcd's default, 2 GiB; negative: no quota; default: ${DEFAULT-VALUE}).")
  long quotaBackendBytes;

  @Option(
      names = "--auth-token",
      defaultValue = "simple",
      description =
          "Auth token type: simple, or jwt,pub-key=PATH,priv-key=PATH,sign-method=RS256[,ttl=5m]"
              + " (etcd's flag; default: ${DEFAULT-VALUE}).")
  String authToken;

  @Option(
      names = "--auth-token-ttl",
      defaultValue = "300",
      description =
          "Seconds a simple token lives after its last use (etcd's flag; default:"
              + " ${DEFAULT-VALUE}).")
  long authTokenTtl;

  @Option(
      names = "--bcrypt-cost",
      defaultValue = "10",
      description =
          "bcrypt cost of password hashes, 4..31 (etcd's flag; default: ${DEFAULT-VALUE}).")
  int bcryptCost;

  @Option(names = "--seed-config", description = "Seed document 000's config.json.")
  Path seedConfig;

  @Option(names = "--id", description = "With --seed-config: this server's pid.")
  Long seedId;

  @Option(
      names = "--peer-json",
      description = "Seed document 002's peer.json (default: ./peer.json).")
  Path peerJson;

  @Option(
      names = "--log-level",
      defaultValue = "info",
      description = "The lowest level logged: debug, info, warn or error (default: info).")
  String logLevel;

  @Option(
      names = "--log-format",
      defaultValue = "text",
      description =
          "How each log event is written to stderr: text (one line: time, level, member,"
              + " component, message) or json (one JSON object per line) (default: text).")
  String logFormat;

  @Override
  public Integer call() {
    disableLeakDetectionUnlessAsked();
    ServerConfig config;
    try {
      Logging.configure(Logging.level(logLevel), Logging.Format.parse(logFormat), System.err);
      config = configure();
    } catch (IllegalArgumentException | IOException e) {
      spec.commandLine().getErr().println("raftkv server: " + e.getMessage());
      return 2;
    }
    Logging.member(config.name());
    RaftkvServer server;
    try {
      server = RaftkvServer.start(config);
      Logging.member(config.name() + " " + Long.toHexString(server.status().id()));
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println("raftkv server: cannot start: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                }));
    // A member removed from its cluster stops itself (as etcd's does), and so does one whose raft
    // node failed (exit code 1); the command then ends.
    server.stopped().thenRun(stopped::countDown);
    System.out.println(
        "raftkv member "
            + config.name()
            + " running; admin "
            + server.adminUrl()
            + ", peers "
            + config.peerUrl());
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (server.failure() != null) {
      spec.commandLine().getErr().println("raftkv server: stopped: " + server.failure());
      return 1;
    }
    return 0;
  }

  /**
   * Netty samples one buffer in 128 for leak tracking by default, recording a stack trace for each
   * (4% of a leader's CPU under load, in both the gRPC and the peer transport's Netty). A server
   * turns it off unless the operator set the level ({@code -Dio.netty.leakDetection.level=...});
   * the tests keep Netty's default, so a leak still shows there.
   */
  private static void disableLeakDetectionUnlessAsked() {
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      io.netty.util.ResourceLeakDetector.setLevel(
          io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
    if (System.getProperty("io.grpc.netty.shaded.io.netty.leakDetection.level") == null) {
      io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(
          io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
  }

  ServerConfig configure() throws IOException {
    return configureFlags()
        .withSnapshotCount(snapshotCount)
        .withQuotaBackendBytes(quotaBackendBytes)
        .withAuth(AuthConfig.parse(authToken, authTokenTtl, bcryptCost));
  }

  private ServerConfig configureFlags() throws IOException {
    boolean seedForm = seedConfig != null || (seed002 != null && !seed002.isEmpty());
    if (seedForm && !tls().equals(TlsSettings.NONE)) {
      throw new IllegalArgumentException(
          "the TLS flags (--cert-file, --peer-cert-file, --auto-tls, ...) go with the etcd-style"
              + " flags; the seed document forms are plaintext");
    }
    if (seedConfig != null) {
      return fromSeed000();
    }
    if (seed002 != null && !seed002.isEmpty()) {
      return fromSeed002();
    }
    String n = name == null ? "default" : name;
    List<URI> peers =
        ServerConfig.parseUrls("--listen-peer-urls", or(peerUrl, "http://127.0.0.1:2380"));
    if (peers.size() != 1) {
      throw new IllegalArgumentException(
          "--listen-peer-urls: raftkv members listen on one peer URL, got " + peers);
    }
    URI peer = peers.get(0);
    List<URI> clients =
        ServerConfig.parseUrls("--listen-client-urls", or(clientUrl, "http://127.0.0.1:2379"));
    URI client = clients.get(0);
    boolean clientTls = clients.stream().anyMatch(ServerConfig::isHttps);
    List<URI> admins =
        ServerConfig.parseUrls(
            "--listen-admin-urls",
            or(adminUrl, (clientTls ? "https" : "http") + "://127.0.0.1:" + (peer.getPort() + 1)));
    if (admins.size() != 1) {
      throw new IllegalArgumentException(
          "--listen-admin-urls: raftkv serves the admin endpoint on one URL, got " + admins);
    }
    URI admin = admins.get(0);
    URI advertisedPeer = peer;
    if (advertisePeerUrls != null) {
      List<URI> urls = ServerConfig.parseUrls("--initial-advertise-peer-urls", advertisePeerUrls);
      if (urls.size() != 1) {
        throw new IllegalArgumentException(
            "--initial-advertise-peer-urls: raftkv members have one peer URL, got " + urls);
      }
      advertisedPeer = urls.get(0);
    }
    Map<String, URI> cluster =
        ServerConfig.parseInitialCluster(or(initialCluster, n + "=" + advertisedPeer));
    if (advertisePeerUrls != null
        && cluster.containsKey(n)
        && !cluster.get(n).equals(advertisedPeer)) {
      throw new IllegalArgumentException(
          "--initial-cluster has "
              + n
              + "="
              + cluster.get(n)
              + " but --initial-advertise-peer-urls is "
              + advertisedPeer);
    }
    List<URI> advertisedClients =
        advertiseClientUrls == null
            ? List.of()
            : ServerConfig.parseUrls("--advertise-client-urls", advertiseClientUrls);
    return new ServerConfig(
        n,
        dataDir == null ? Path.of(n + ".raftkv") : dataDir,
        client,
        peer,
        admin,
        cluster,
        clusterState(),
        token,
        heartbeatMs,
        electionMs,
        advertisedClients,
        ServerConfig.DEFAULT_SNAPSHOT_COUNT,
        clients,
        tls(),
        null);
  }

  /** The TLS flags; an unknown cipher suite is refused here, naming it. */
  TlsSettings tls() {
    return new TlsSettings(
        new TlsFiles(certFile, keyFile, trustedCaFile, clientCertAuth, autoTls),
        new TlsFiles(peerCertFile, peerKeyFile, peerTrustedCaFile, peerClientCertAuth, peerAutoTls),
        CipherSuites.parse(cipherSuites));
  }

  private boolean clusterState() {
    return switch (clusterState) {
      case "new" -> true;
      case "existing" -> false;
      default ->
          throw new IllegalArgumentException(
              "--initial-cluster-state must be new or existing, got '" + clusterState + "'");
    };
  }

  /**
   * Seed 000: member pid listens for peers on {@code startAddress + pid}, for clients on {@code
   * startAddress + 100 + pid}, for admin on {@code startAddress + 200 + pid}; data in {@code
   * ./raftkv-data/<pid>} unless --data-dir; timeouts from timeOutMin/timeOutRand.
   */
  private ServerConfig fromSeed000() throws IOException {
    if (seedId == null) {
      throw new IllegalArgumentException("--seed-config needs --id (this server's pid)");
    }
    SeedConfig seed = SeedConfig.read(seedConfig);
    if (!seed.members().contains(seedId)) {
      throw new IllegalArgumentException(
          "--id " + seedId + " is not in peersPid " + seed.members() + " of " + seedConfig);
    }
    Map<String, URI> cluster = new LinkedHashMap<>();
    seed.addresses(seedId)
        .forEach(
            (id, a) ->
                cluster.put(
                    String.valueOf(id),
                    URI.create("http://" + a.getHostString() + ":" + a.getPort())));
    String host = seed.selfHost();
    int base = seed.startAddress();
    return new ServerConfig(
        String.valueOf(seedId),
        dataDir == null ? Path.of("raftkv-data", String.valueOf(seedId)) : dataDir,
        URI.create("http://" + host + ":" + (base + 100 + seedId)),
        cluster.get(String.valueOf(seedId)),
        URI.create("http://" + host + ":" + (base + 200 + seedId)),
        cluster,
        true,
        token,
        seed.tickMs(),
        seed.timeOutMinMs());
  }

  /**
   * Seed 002: {@code raftkv server ID PORT} with {@code peer.json} = {"object": {"buffer_size": N,
   * "peers": [{"logdir", "id", "host", "timeout"}]}}. Each peer's {@code host} ("host:port") is its
   * peer address, {@code logdir} its data dir, {@code timeout} (ms) its election timeout; PORT is
   * the client port; admin listens on the peer port + 1.
   */
  private ServerConfig fromSeed002() throws IOException {
    if (seed002.size() != 2) {
      throw new IllegalArgumentException("the seed 002 form is: raftkv server ID PORT");
    }
    long id;
    int port;
    try {
      id = Long.parseLong(seed002.get(0));
      port = Integer.parseInt(seed002.get(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "ID and PORT must be numbers, got '" + seed002.get(0) + "' '" + seed002.get(1) + "'");
    }
    Path file = peerJson == null ? Path.of("peer.json") : peerJson;
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("cannot read " + file + " (--peer-json)");
    }
    JsonNode json;
    try {
      json = SeedJson.parse(Files.readString(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
    JsonNode peers = json.path("object").path("peers");
    if (!peers.isArray() || peers.isEmpty()) {
      throw new IllegalArgumentException(
          file + ": field \"object.peers\" must be a non-empty list");
    }
    Map<String, URI> cluster = new LinkedHashMap<>();
    String logdir = null;
    long timeout = 1000;
    for (JsonNode peer : peers) {
      if (!peer.isObject()) {
        throw new IllegalArgumentException(file + ": each of \"object.peers\" must be an object");
      }
      JsonNode idNode = peer.path("id");
      long pid = idNode.isIntegralNumber() && idNode.canConvertToLong() ? idNode.longValue() : 0;
      if (pid <= 0) {
        throw new IllegalArgumentException(file + ": a peer's \"id\" must be a positive number");
      }
      if (!peer.path("host").isTextual()) {
        throw new IllegalArgumentException(file + ": peer " + pid + " needs \"host\" (host:port)");
      }
      String host = peer.get("host").textValue();
      cluster.put(
          String.valueOf(pid),
          ServerConfig.parseUrl(file + ": peer " + pid + " host", "http://" + host));
      if (pid == id) {
        logdir = peer.path("logdir").isTextual() ? peer.get("logdir").textValue() : null;
        if (peer.path("timeout").isIntegralNumber()) {
          timeout = peer.get("timeout").longValue();
        }
      }
    }
    if (!cluster.containsKey(String.valueOf(id))) {
      throw new IllegalArgumentException(file + " has no peer with id " + id);
    }
    URI peer = cluster.get(String.valueOf(id));
    return new ServerConfig(
        String.valueOf(id),
        dataDir != null ? dataDir : Path.of(logdir != null ? logdir : "raftkv-data/" + id),
        URI.create("http://" + peer.getHost() + ":" + port),
        peer,
        // Peers often sit on consecutive ports here, so the admin endpoint takes a free one.
        URI.create("http://" + peer.getHost() + ":0"),
        cluster,
        true,
        token,
        (int) Math.max(1, timeout / 10),
        (int) timeout);
  }

  private static String or(String v, String fallback) {
    return v == null ? fallback : v;
  }
}

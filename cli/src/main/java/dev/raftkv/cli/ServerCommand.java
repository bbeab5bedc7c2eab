package dev.raftkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftkv.replicator.SeedConfig;
import dev.raftkv.replicator.SeedJson;
import dev.raftkv.server.AuthConfig;
import dev.raftkv.server.RaftkvServer;
import dev.raftkv.server.ServerConfig;
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
          + " peer URL and the cluster token. The admin endpoint (--listen-admin-url) answers"
          + " /health, /status, /detach and /attach."
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
      description = "Where clients connect (default: http://127.0.0.1:2379).")
  String clientUrl;

  @Option(
      names = "--listen-peer-urls",
      description = "Where other members connect (default: http://127.0.0.1:2380).")
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
      names = "--listen-admin-url",
      description =
          "The admin HTTP endpoint (default: the peer host and port + 1; 127.0.0.1 when peers"
              + " listen on 0.0.0.0).")
  String adminUrl;

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

  @Override
  public Integer call() {
    disableLeakDetectionUnlessAsked();
    ServerConfig config;
    try {
      config = configure();
    } catch (IllegalArgumentException | IOException e) {
      spec.commandLine().getErr().println("raftkv server: " + e.getMessage());
      return 2;
    }
    RaftkvServer server;
    try {
      server = RaftkvServer.start(config);
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
        .withAuth(AuthConfig.parse(authToken, authTokenTtl, bcryptCost));
  }

  private ServerConfig configureFlags() throws IOException {
    if (seedConfig != null) {
      return fromSeed000();
    }
    if (seed002 != null && !seed002.isEmpty()) {
      return fromSeed002();
    }
    String n = name == null ? "default" : name;
    URI peer = ServerConfig.parseUrl("--listen-peer-urls", or(peerUrl, "http://127.0.0.1:2380"));
    URI client =
        ServerConfig.parseUrl("--listen-client-urls", or(clientUrl, "http://127.0.0.1:2379"));
    URI admin =
        ServerConfig.parseUrl(
            "--listen-admin-url",
            or(adminUrl, "http://" + adminHost(peer) + ":" + (peer.getPort() + 1)));
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
        advertisedClients);
  }

  /**
   * The admin endpoint's default host: the peer host, but loopback when peers listen on every
   * interface, since the admin endpoint can detach and block the member and has no access control.
   */
  private static String adminHost(URI peer) {
    return ServerConfig.isWildcard(peer) ? "127.0.0.1" : peer.getHost();
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

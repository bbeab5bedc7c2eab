package dev.raftkv.compat;

import dev.raftkv.raft.Role;
import dev.raftkv.server.RaftkvServer;
import dev.raftkv.server.ServerConfig;
import dev.raftkv.server.tls.TlsSettings;
import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A raftkv cluster of in-process members on loopback ports, for the compatibility tests. Members
 * can be stopped and restarted on the same ports and data.
 */
final class RaftkvCluster implements AutoCloseable {
  private final List<ServerConfig> configs;
  private final List<RaftkvServer> servers = new ArrayList<>();

  private RaftkvCluster(List<ServerConfig> configs) {
    this.configs = configs;
  }

  /**
   * Starts {@code size} members under {@code dir} and waits until one of them leads (at most 30
   * seconds).
   *
   * @throws IOException if a member cannot start
   */
  static RaftkvCluster start(java.nio.file.Path dir, int size)
      throws IOException, InterruptedException {
    return start(dir, size, 20, 200);
  }

  /**
   * As {@link #start(java.nio.file.Path, int)}, with the given heartbeat interval and election
   * timeout in milliseconds (etcd's defaults are 100 and 1000; the short form uses 20 and 200 so
   * that tests start fast).
   */
  static RaftkvCluster start(java.nio.file.Path dir, int size, int heartbeatMs, int electionMs)
      throws IOException, InterruptedException {
    return start(dir, size, heartbeatMs, electionMs, TlsSettings.NONE, c -> c);
  }

  /** As {@link #start(java.nio.file.Path, int, int, int)}, each member's config changed so. */
  static RaftkvCluster start(
      java.nio.file.Path dir,
      int size,
      int heartbeatMs,
      int electionMs,
      java.util.function.UnaryOperator<ServerConfig> configure)
      throws IOException, InterruptedException {
    return start(dir, size, heartbeatMs, electionMs, TlsSettings.NONE, configure);
  }

  /**
   * As {@link #start(java.nio.file.Path, int)}, with client, peer and admin URLs {@code https://}
   * served with {@code tls}.
   */
  static RaftkvCluster startTls(java.nio.file.Path dir, int size, TlsSettings tls)
      throws IOException, InterruptedException {
    return start(dir, size, 20, 200, tls, c -> c);
  }

  /**
   * Starts {@code size} members with client, peer and admin URLs {@code https://} served with
   * {@code tls} (plaintext if it is {@link TlsSettings#NONE}), each member's config changed by
   * {@code configure}, and waits until one of them leads.
   */
  static RaftkvCluster start(
      java.nio.file.Path dir,
      int size,
      int heartbeatMs,
      int electionMs,
      TlsSettings tls,
      java.util.function.UnaryOperator<ServerConfig> configure)
      throws IOException, InterruptedException {
    String scheme = tls.equals(TlsSettings.NONE) ? "http" : "https";
    int[] ports = LoopbackPorts.allocate(3 * size);
    Map<String, URI> peers = new LinkedHashMap<>();
    for (int i = 0; i < size; i++) {
      peers.put("r" + (i + 1), URI.create(scheme + "://127.0.0.1:" + ports[3 * i + 1]));
    }
    List<ServerConfig> configs = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String name = "r" + (i + 1);
      configs.add(
          configure.apply(
              new ServerConfig(
                  name,
                  dir.resolve(name),
                  URI.create(scheme + "://127.0.0.1:" + ports[3 * i]),
                  peers.get(name),
                  URI.create(scheme + "://127.0.0.1:" + ports[3 * i + 2]),
                  peers,
                  true,
                  "compat-raftkv",
                  heartbeatMs,
                  electionMs,
                  List.of(),
                  ServerConfig.DEFAULT_SNAPSHOT_COUNT,
                  List.of(),
                  tls,
                  null)));
    }
    RaftkvCluster cluster = new RaftkvCluster(configs);
    try {
      for (ServerConfig c : configs) {
        cluster.servers.add(RaftkvServer.start(c));
      }
      cluster.leader();
      cluster.awaitPublished();
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Waits (up to 30 seconds) until every member's store names every member: each member publishes
   * its name through the log after it starts, and {@code member list} answers from the store of the
   * member it asks, so a comparison must not begin before (found by a clean-clone CI run, where
   * member r1 was listed without its name).
   */
  void awaitPublished() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (RaftkvServer s : servers) {
        if (s != null) {
          var members = s.kv().store().members();
          all &=
              members.size() == servers.size()
                  && members.stream().noneMatch(m -> m.name().isEmpty());
        }
      }
      if (all) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("raftkv members did not all publish their names within 30 s");
  }

  /** The index of the current leader among the running members, waiting up to 30 seconds. */
  int leader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < servers.size(); i++) {
        RaftkvServer s = servers.get(i);
        if (s != null && s.status().role() == Role.LEADER) {
          return i;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no raftkv leader within 30 s");
  }

  /** The running member at {@code index}, or null if stopped. */
  RaftkvServer server(int index) {
    return servers.get(index);
  }

  /** The number of members (running or stopped). */
  int size() {
    return configs.size();
  }

  /** Stops the member at {@code index} (an orderly close; its data stays). */
  void stop(int index) {
    RaftkvServer s = servers.set(index, null);
    if (s != null) {
      s.close();
    }
  }

  /** Restarts a stopped member on the same ports and data. */
  void restart(int index) throws IOException {
    if (servers.get(index) != null) {
      throw new IllegalStateException("member " + index + " is running");
    }
    servers.set(index, RaftkvServer.start(configs.get(index)));
  }

  /** The member id of the member at {@code index}. */
  long memberId(int index) {
    return configs.get(index).memberId();
  }

  /** The client endpoints as {@code host:port}, in member order. */
  List<String> clientEndpoints() {
    List<String> out = new ArrayList<>();
    for (ServerConfig c : configs) {
      out.add(c.clientUrl().getHost() + ":" + c.clientUrl().getPort());
    }
    return out;
  }

  /** The peer endpoints as {@code host:port}, in member order. */
  List<String> peerEndpoints() {
    List<String> out = new ArrayList<>();
    for (ServerConfig c : configs) {
      out.add(c.peerUrl().getHost() + ":" + c.peerUrl().getPort());
    }
    return out;
  }

  /** The member names ({@code r1}, {@code r2}, ...), in member order. */
  List<String> memberNames() {
    return configs.stream().map(ServerConfig::name).toList();
  }

  /** The client endpoints joined with commas, as etcdctl's --endpoints wants them. */
  String endpoints() {
    return String.join(",", clientEndpoints());
  }

  @Override
  public void close() {
    for (int i = 0; i < servers.size(); i++) {
      stop(i);
    }
  }
}

package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.KeyValue;
import dev.raftkv.kv.Member;
import dev.raftkv.kv.Range;
import dev.raftkv.raft.Role;
import dev.raftkv.server.RaftkvServer;
import dev.raftkv.server.ServerConfig;
import dev.raftkv.server.tls.TlsSettings;
import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Disaster recovery end to end: a 3-member cluster is written to (overwrites, a delete, a lease
 * with keys), saved with {@code etcdctl snapshot save}, stopped and wiped; {@code raftkv snapshot
 * restore} builds three data dirs for a new cluster (new token, new peer URLs), whose members start
 * with {@code --initial-cluster-state new} and hold every key at its revision, keep the lease,
 * continue the revision, take writes and have the new membership.
 */
class SnapshotRestoreIT {
  @TempDir Path dir;
  private final List<RaftkvServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(RaftkvServer::close);
  }

  private static List<ServerConfig> configs(Path root, String token) {
    int[] ports = LoopbackPorts.allocate(9);
    Map<String, URI> peers = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) {
      peers.put("m" + (i + 1), URI.create("http://127.0.0.1:" + ports[3 * i + 1]));
    }
    List<ServerConfig> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String name = "m" + (i + 1);
      out.add(
          new ServerConfig(
              name,
              root.resolve(name),
              URI.create("http://127.0.0.1:" + ports[3 * i]),
              peers.get(name),
              URI.create("http://127.0.0.1:" + ports[3 * i + 2]),
              peers,
              true,
              token,
              100,
              1000,
              List.of(),
              ServerConfig.DEFAULT_SNAPSHOT_COUNT,
              List.of(),
              TlsSettings.NONE,
              null));
    }
    return out;
  }

  private void startAll(List<ServerConfig> configs) throws Exception {
    for (ServerConfig c : configs) {
      servers.add(RaftkvServer.start(c));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (servers.stream().anyMatch(s -> s.status().role() == Role.LEADER)
          && servers.stream().allMatch(s -> s.status().leader() != 0)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader within 60 s");
  }

  private static String endpoints(List<ServerConfig> configs) {
    return configs.stream()
        .map(c -> c.clientUrl().getHost() + ":" + c.clientUrl().getPort())
        .collect(Collectors.joining(","));
  }

  /** Runs etcdctl; fails the test unless it exits 0; returns its stdout. */
  private static String etcdctl(String endpoints, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("etcdctl %s finished", cmd).isTrue();
    assertThat(p.exitValue()).as("etcdctl %s: %s%s", cmd, out, err.join()).isZero();
    return out;
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs {@code raftkv ARGS} in this JVM; returns exit code and what it printed. */
  private static String[] raftkv(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  /** Every key of a member's store, rendered with its revisions, version, value and lease. */
  private static List<String> keys(RaftkvServer s) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : s.kv().store().range(Range.range(new byte[] {0}, new byte[] {0})).kvs()) {
      out.add(
          new String(kv.key(), StandardCharsets.UTF_8)
              + " create="
              + kv.createRevision()
              + " mod="
              + kv.modRevision()
              + " version="
              + kv.version()
              + " value="
              + new String(kv.value(), StandardCharsets.UTF_8)
              + " lease="
              + Long.toHexString(kv.lease()));
    }
    return out;
  }

  private void awaitApplied(long revision) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (servers.stream().anyMatch(s -> s.kv().store().revision() < revision)) {
      assertThat(System.nanoTime())
          .as("every member at revision %d", revision)
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void saveWipeRestoreThreeMembersKeepsEveryKeyAtItsRevision() throws Exception {
    List<ServerConfig> old = configs(dir.resolve("old"), "old-token");
    startAll(old);
    String ep = endpoints(old);
    etcdctl(ep, "put", "a", "1");
    etcdctl(ep, "put", "b", "1");
    etcdctl(ep, "put", "a", "2");
    etcdctl(ep, "put", "gone", "x");
    etcdctl(ep, "del", "gone");
    String grant = etcdctl(ep, "lease", "grant", "3600");
    String leaseHex = grant.split(" ")[1]; // "lease 694d... granted with TTL(3600s)"
    etcdctl(ep, "put", "leased/1", "l", "--lease=" + leaseHex);
    etcdctl(ep, "put", "leased/2", "l", "--lease=" + leaseHex);
    etcdctl(ep, "put", "a", "3");
    long revision = servers.get(0).kv().store().revision();
    awaitApplied(revision);
    List<String> before = keys(servers.get(0));
    assertThat(before).hasSize(4);
    long oldCluster = servers.get(0).clusterId();

    Path file = dir.resolve("backup.db");
    etcdctl(
        old.get(0).clientUrl().getHost() + ":" + old.get(0).clientUrl().getPort(),
        "snapshot",
        "save",
        file.toString());

    String[] status = raftkv("snapshot", "status", file.toString(), "-w", "json");
    assertThat(status[0]).as(status[2]).isEqualTo("0");
    assertThat(status[1]).contains("\"revision\":" + revision + ",");

    servers.forEach(RaftkvServer::close);
    servers.clear();
    deleteTree(dir.resolve("old"));
    assertThat(dir.resolve("old")).doesNotExist();

    List<ServerConfig> fresh = configs(dir.resolve("new"), "new-token");
    String initialCluster =
        fresh.stream().map(c -> c.name() + "=" + c.peerUrl()).collect(Collectors.joining(","));
    for (ServerConfig c : fresh) {
      String[] r =
          raftkv(
              "snapshot",
              "restore",
              file.toString(),
              "--name",
              c.name(),
              "--initial-cluster",
              initialCluster,
              "--initial-cluster-token",
              "new-token",
              "--initial-advertise-peer-urls",
              c.peerUrl().toString(),
              "--data-dir",
              c.dataDir().toString());
      assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
      assertThat(r[1]).contains("revision " + revision);
    }
    startAll(fresh);
    for (RaftkvServer s : servers) {
      assertThat(s.kv().store().revision()).isEqualTo(revision);
      assertThat(keys(s)).isEqualTo(before);
      assertThat(s.clusterId()).isEqualTo(fresh.get(0).clusterId()).isNotEqualTo(oldCluster);
      assertThat(s.kv().store().members())
          .extracting(Member::id)
          .containsExactlyInAnyOrderElementsOf(fresh.stream().map(ServerConfig::memberId).toList());
      long lease = Long.parseUnsignedLong(leaseHex, 16);
      assertThat(s.kv().store().lease(lease)).isNotNull();
      assertThat(s.kv().store().keysWithLease(lease)).hasSize(2);
    }
    String newEp = endpoints(fresh);
    assertThat(etcdctl(newEp, "get", "a", "-w", "json"))
        .contains("\"mod_revision\":" + revision)
        .contains("\"version\":3");
    etcdctl(newEp, "put", "after", "restore");
    String after = etcdctl(newEp, "get", "after", "-w", "json");
    assertThat(after).contains("\"mod_revision\":" + (revision + 1));
    String members = etcdctl(newEp, "member", "list");
    for (ServerConfig c : fresh) {
      assertThat(members).contains(c.peerUrl().toString());
    }
    for (ServerConfig c : old) {
      assertThat(members).doesNotContain(c.peerUrl().toString());
    }
    assertThat(members.lines()).hasSize(3);

    // a restored member restarts from its own data dir (WAL after the restored snapshot)
    servers.remove(2).close();
    servers.add(RaftkvServer.start(fresh.get(2)));
    awaitApplied(revision + 1);
    assertThat(keys(servers.get(2)))
        .contains(
            "after create="
                + (revision + 1)
                + " mod="
                + (revision + 1)
                + " version=1 value=restore lease=0")
        .containsAll(before);
  }

  private static void deleteTree(Path root) throws IOException {
    try (var s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

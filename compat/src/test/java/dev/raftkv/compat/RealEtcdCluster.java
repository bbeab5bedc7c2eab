package dev.raftkv.compat;

import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd cluster of separate processes on loopback: the behavioural oracle. Each member logs
 * to {@code dir/NAME.log}. {@link #close} kills every process.
 */
final class RealEtcdCluster implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final List<String> clientEndpoints = new ArrayList<>();
  private final List<String> peerEndpoints = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private List<String> etcdctlFlags = List.of();

  private RealEtcdCluster() {}

  /**
   * Starts {@code size} etcd members under {@code dir} and waits until every member reports healthy
   * (at most 60 seconds).
   *
   * @throws IOException if a process cannot be started
   * @throws AssertionError if the cluster does not become healthy in time (the logs are named)
   */
  static RealEtcdCluster start(Path dir, int size) throws IOException, InterruptedException {
    return start(dir, size, 20, 200);
  }

  /**
   * As {@link #start(Path, int)}, with the given heartbeat interval and election timeout in
   * milliseconds (etcd's defaults are 100 and 1000).
   */
  static RealEtcdCluster start(Path dir, int size, int heartbeatMs, int electionMs)
      throws IOException, InterruptedException {
    return start(dir, size, heartbeatMs, electionMs, List.of());
  }

  /** As {@link #start(Path, int, int, int)}, each member with {@code extraFlags} too. */
  static RealEtcdCluster start(
      Path dir, int size, int heartbeatMs, int electionMs, List<String> extraFlags)
      throws IOException, InterruptedException {
    return start(dir, size, heartbeatMs, electionMs, null, extraFlags);
  }

  /**
   * As {@link #start(Path, int, int, int, List)}; with {@code tls} not null, client and peer URLs
   * are {@code https://}, served with {@code tls}'s member certificate, and both sides require a
   * client certificate from its CA ({@code --client-cert-auth}, {@code --peer-client-cert-auth}).
   * The client endpoints stay {@code host:port}: etcdctl speaks TLS to them when given {@link
   * TlsFixture#etcdctlFlags}.
   */
  static RealEtcdCluster start(
      Path dir, int size, int heartbeatMs, int electionMs, TlsFixture tls, List<String> extraFlags)
      throws IOException, InterruptedException {
    String scheme = tls == null ? "http" : "https";
    RealEtcdCluster cluster = new RealEtcdCluster();
    cluster.etcdctlFlags = tls == null ? List.of() : tls.etcdctlFlags();
    try {
      int[] ports = LoopbackPorts.allocate(2 * size);
      StringBuilder initial = new StringBuilder();
      for (int i = 0; i < size; i++) {
        initial.append(i == 0 ? "" : ",").append("e").append(i + 1);
        initial.append("=" + scheme + "://127.0.0.1:").append(ports[2 * i + 1]);
      }
      for (int i = 0; i < size; i++) {
        String name = "e" + (i + 1);
        String client = scheme + "://127.0.0.1:" + ports[2 * i];
        String peer = scheme + "://127.0.0.1:" + ports[2 * i + 1];
        Files.createDirectories(dir);
        List<String> command =
            new java.util.ArrayList<>(
                List.of(
                    "etcd",
                    "--name=" + name,
                    "--data-dir=" + dir.resolve(name + ".etcd"),
                    "--listen-client-urls=" + client,
                    "--advertise-client-urls=" + client,
                    "--listen-peer-urls=" + peer,
                    "--initial-advertise-peer-urls=" + peer,
                    "--initial-cluster=" + initial,
                    "--initial-cluster-state=new",
                    "--initial-cluster-token=compat-oracle",
                    "--heartbeat-interval=" + heartbeatMs,
                    "--election-timeout=" + electionMs));
        if (tls != null) {
          command.addAll(
              List.of(
                  "--cert-file=" + tls.cert("member"),
                  "--key-file=" + tls.key("member"),
                  "--trusted-ca-file=" + tls.ca(),
                  "--client-cert-auth",
                  "--peer-cert-file=" + tls.cert("member"),
                  "--peer-key-file=" + tls.key("member"),
                  "--peer-trusted-ca-file=" + tls.ca(),
                  "--peer-client-cert-auth"));
        }
        command.addAll(extraFlags);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve(name + ".log").toFile());
        cluster.processes.add(pb.start());
        cluster.clientEndpoints.add("127.0.0.1:" + ports[2 * i]);
        cluster.peerEndpoints.add("127.0.0.1:" + ports[2 * i + 1]);
        cluster.names.add(name);
      }
      cluster.awaitHealthy(dir);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void awaitHealthy(Path dir) throws IOException, InterruptedException {
    Etcdctl etcdctl = new Etcdctl(endpoints(), etcdctlFlags);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Etcdctl.Result last = null;
    while (System.nanoTime() < deadline) {
      last = etcdctl.run("endpoint", "health");
      if (last.exitCode() == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "real etcd did not become healthy in 60 s (logs in " + dir + "): " + last.all());
  }

  /** The client endpoints as {@code host:port}, in member order. */
  List<String> clientEndpoints() {
    return List.copyOf(clientEndpoints);
  }

  /** The peer endpoints as {@code host:port}, in member order. */
  List<String> peerEndpoints() {
    return List.copyOf(peerEndpoints);
  }

  /** The member names ({@code e1}, {@code e2}, ...), in member order. */
  List<String> memberNames() {
    return List.copyOf(names);
  }

  /** The client endpoints joined with commas, as etcdctl's --endpoints wants them. */
  String endpoints() {
    return String.join(",", clientEndpoints);
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.transport.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five real server processes on loopback, driven through their admin endpoints: kill -9 of the
 * leader, restart, detach/attach of the leader, of two and of three members. (Writes through
 * etcdctl join this test when the etcd API lands.)
 */
class ProcessClusterTest {
  private static final int N = 5;
  private static final int HEARTBEAT_MS = 50;
  private static final int ELECTION_MS = 500;

  @TempDir Path dir;
  private final Map<Integer, Process> procs = new HashMap<>();
  private final int[][] ports = new int[N + 1][];
  private String initial;
  private final AdminClient admin = new AdminClient();

  /** Runs etcdctl against the given members; returns exit code and output. */
  private String[] etcdctl(List<Integer> members, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("etcdctl", "--command-timeout=4s", "--dial-timeout=2s"));
    StringBuilder eps = new StringBuilder();
    for (int i : members) {
      eps.append(eps.length() == 0 ? "" : ",").append("127.0.0.1:").append(ports[i][0]);
    }
    cmd.add("--endpoints=" + eps);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    boolean done = p.waitFor(20, TimeUnit.SECONDS);
    return new String[] {done ? String.valueOf(p.exitValue()) : "timeout", out};
  }

  /** Runs a raftkv client verb in this JVM; returns exit code and what it printed. */
  private String[] raftkv(String... args) {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    try {
      System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new String[] {
        String.valueOf(code), buf.toString(java.nio.charset.StandardCharsets.UTF_8)
      };
    } finally {
      System.setOut(old);
    }
  }

  private String clientEndpoints() {
    StringBuilder eps = new StringBuilder();
    for (int i = 1; i <= N; i++) {
      eps.append(eps.length() == 0 ? "" : ",").append("127.0.0.1:").append(ports[i][0]);
    }
    return eps.toString();
  }

  private static boolean haveEtcdctl() {
    try {
      return new ProcessBuilder("etcdctl", "version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @AfterEach
  void stop() {
    procs.values().forEach(Process::destroyForcibly);
  }

  private static int freePort() throws IOException {
    return LoopbackPorts.allocate();
  }

  private void start(int i) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "server",
            "--name",
            "n" + i,
            "--data-dir",
            dir.resolve("n" + i).toString(),
            "--listen-client-urls",
            "http://127.0.0.1:" + ports[i][0],
            "--listen-peer-urls",
            "http://127.0.0.1:" + ports[i][1],
            "--listen-admin-url",
            "http://127.0.0.1:" + ports[i][2],
            "--initial-cluster",
            initial,
            "--heartbeat-interval",
            String.valueOf(HEARTBEAT_MS),
            "--election-timeout",
            String.valueOf(ELECTION_MS));
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("n" + i + ".log").toFile());
    procs.put(i, pb.start());
  }

  private Map<String, String> status(int i) {
    try {
      String body = admin.call(URI.create("http://127.0.0.1:" + ports[i][2]), "GET", "/status");
      Map<String, String> out = new HashMap<>();
      Matcher m = Pattern.compile("\"(\\w+)\":\"?([^,\"}]*)\"?").matcher(body);
      while (m.find()) {
        out.put(m.group(1), m.group(2));
      }
      return out;
    } catch (IOException e) {
      return Map.of();
    }
  }

  private void post(int i, String path) throws IOException {
    admin.call(URI.create("http://127.0.0.1:" + ports[i][2]), "POST", path);
  }

  private static void await(String what, long millis, BooleanSupplier c)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + millis + " ms waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /** The member that leads and that a majority of the listed members follow, or 0. */
  private int leaderAmong(List<Integer> members) {
    for (int i : members) {
      Map<String, String> s = status(i);
      if ("leader".equals(s.get("role"))) {
        String id = s.get("id");
        long following = members.stream().filter(j -> id.equals(status(j).get("leader"))).count();
        if (following > N / 2) {
          return i;
        }
      }
    }
    return 0;
  }

  private List<Integer> all() {
    List<Integer> l = new ArrayList<>();
    for (int i = 1; i <= N; i++) {
      l.add(i);
    }
    return l;
  }

  @Test
  void survivesKillsAndPartitionsOfRealProcesses() throws Exception {
    boolean ci = System.getenv("CI") != null;
    if (!haveEtcdctl()) {
      if (ci) {
        throw new AssertionError("etcdctl is missing on CI: .ci/run must install etcd-client");
      }
      org.junit.jupiter.api.Assumptions.assumeTrue(
          false, "etcdctl is not installed (apt-get install etcd-client); skipping");
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i <= N; i++) {
      ports[i] = new int[] {freePort(), freePort(), freePort()};
      sb.append(i == 1 ? "" : ",")
          .append("n")
          .append(i)
          .append("=http://127.0.0.1:")
          .append(ports[i][1]);
    }
    initial = sb.toString();
    for (int i = 1; i <= N; i++) {
      start(i);
    }
    await("a leader of all five", 30_000, () -> leaderAmong(all()) != 0);
    int first = leaderAmong(all());
    List<String> acked = new ArrayList<>();
    String[] put = etcdctl(all(), "put", "k0", "v0");
    assertThat(put[1]).contains("OK");
    acked.add("k0");
    assertThat(etcdctl(all(), "get", "k0")[1]).contains("v0");
    // raftkv's own verbs against the same cluster.
    assertThat(raftkv("put", "r0", "raftkv-value", "--endpoints", clientEndpoints())[1])
        .contains("OK");
    assertThat(raftkv("get", "r0", "--endpoints", clientEndpoints())[1])
        .contains("r0\nraftkv-value");
    assertThat(raftkv("status", "--endpoints", clientEndpoints())[1]).contains("role=leader");
    assertThat(raftkv("del", "r0", "--endpoints", clientEndpoints())[1].strip()).isEqualTo("1");

    // kill -9 the leader: the others elect a new one within 3 election timeouts.
    procs.remove(first).destroyForcibly().waitFor();
    List<Integer> rest = new ArrayList<>(all());
    rest.remove(Integer.valueOf(first));
    long killedAt = System.nanoTime();
    await("a new leader", 3 * 2 * ELECTION_MS, () -> leaderAmong(rest) != 0);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt))
        .as("a new leader within 3 election timeouts")
        .isLessThan(3L * 2 * ELECTION_MS);
    int second = leaderAmong(rest);
    // Writes continue (etcdctl does not retry a put, so ask the members that are up).
    assertThat(etcdctl(rest, "put", "k1", "v1")[1]).contains("OK");
    acked.add("k1");

    // Restart it: it rejoins as a follower and catches up.
    start(first);
    await(
        first + " to follow " + second,
        30_000,
        () -> {
          Map<String, String> s = status(first);
          return "follower".equals(s.get("role"))
              && s.get("applied") != null
              && s.get("applied").equals(status(second).get("applied"));
        });

    // Detach the leader: the majority elects another; attach: it rejoins as follower.
    post(second, "/detach");
    List<Integer> others = new ArrayList<>(all());
    others.remove(Integer.valueOf(second));
    await("a leader without " + second, 10_000, () -> leaderAmong(others) != 0);
    await(
        second + " to step down (CheckQuorum)",
        10_000,
        () -> !"leader".equals(status(second).get("role")));
    // A write sent to the old leader does not succeed there.
    String[] cutOff = etcdctl(List.of(second), "put", "k-detached", "never");
    assertThat(cutOff[0]).as(cutOff[1]).isNotEqualTo("0");
    post(second, "/attach");
    await(
        second + " to follow again",
        10_000,
        () ->
            "follower".equals(status(second).get("role"))
                && !status(second).get("leader").isEmpty());

    // Detach two of five: progress goes on. Three of five: no leader until healed.
    int leader = leaderAmong(all());
    List<Integer> followers = new ArrayList<>(all());
    followers.remove(Integer.valueOf(leader));
    post(followers.get(0), "/detach");
    post(followers.get(1), "/detach");
    Thread.sleep(3L * ELECTION_MS);
    assertThat(status(leader).get("role")).isEqualTo("leader");
    post(leader, "/detach");
    await(
        "no leader anywhere",
        10_000,
        () -> all().stream().noneMatch(i -> "leader".equals(status(i).get("role"))));
    for (int i : all()) {
      post(i, "/attach");
    }
    await("a leader after healing", 10_000, () -> leaderAmong(all()) != 0);
    assertThat(etcdctl(all(), "put", "k4", "v4")[1]).contains("OK");
    acked.add("k4");

    // Restart the whole cluster: every acknowledged write is still there.
    for (Process p : procs.values()) {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    procs.clear();
    for (int i = 1; i <= N; i++) {
      start(i);
    }
    await("a leader after the restart", 30_000, () -> leaderAmong(all()) != 0);
    String all = etcdctl(all(), "get", "k", "--prefix", "--keys-only")[1];
    for (String k : acked) {
      assertThat(all).contains(k);
    }
    assertThat(all).doesNotContain("k3").doesNotContain("k-detached");

    // Every member has the same hashKV; leadership moves on request.
    await(
        "every member to apply everything",
        10_000,
        () -> all().stream().map(i -> status(i).get("applied")).distinct().count() == 1);
    String hashes = etcdctl(all(), "endpoint", "hashkv")[1];
    assertThat(
            java.util.Arrays.stream(hashes.strip().split("\n"))
                .filter(l -> l.contains(", "))
                .map(l -> l.substring(l.lastIndexOf(", ") + 2))
                .distinct()
                .count())
        .as(hashes)
        .isEqualTo(1);
    int now = leaderAmong(all());
    int target = now == 1 ? 2 : 1;
    String moved = etcdctl(all(), "move-leader", status(target).get("id"))[1];
    assertThat(moved).contains("Leadership transferred");
    await("the target to lead", 10_000, () -> leaderAmong(all()) == target);
  }
}

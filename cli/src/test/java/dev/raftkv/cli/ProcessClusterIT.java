package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.cli.chaos.LocalCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five real server processes on loopback ({@link LocalCluster}), driven through their admin
 * endpoints: kill -9 of the leader, restart, detach/attach of the leader, of two and of three
 * members, block lists through {@code raftkv admin block|unblock}. (Writes through etcdctl join
 * this test when the etcd API lands.)
 */
class ProcessClusterIT {
  private static final int N = 5;
  private static final int HEARTBEAT_MS = 50;
  private static final int ELECTION_MS = 500;

  @TempDir Path dir;
  private LocalCluster cluster;

  /** Runs etcdctl against the given members; returns exit code and output. */
  private String[] etcdctl(List<Integer> members, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("etcdctl", "--command-timeout=4s", "--dial-timeout=2s"));
    cmd.add(
        "--endpoints=" + String.join(",", members.stream().map(cluster::clientTarget).toList()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean done = p.waitFor(20, TimeUnit.SECONDS);
    return new String[] {done ? String.valueOf(p.exitValue()) : "timeout", out};
  }

  /** Runs a raftkv client verb in this JVM; returns exit code and what it printed. */
  private String[] raftkv(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new String[] {String.valueOf(code), buf.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(old);
    }
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
    if (cluster != null) {
      cluster.close();
    }
  }

  private Map<String, String> status(int i) {
    return cluster.status(i);
  }

  private void post(int i, String path) throws IOException {
    cluster.post(i, path);
  }

  /** A JVM start on this shared machine under heavy load takes tens of seconds. */
  private static final long STARTUP_MS = 120_000;

  /** An election among running processes; generous for the same reason. */
  private static final long ELECTION_UNDER_LOAD_MS = 30_000;

  private static void await(String what, long millis, BooleanSupplier c)
      throws InterruptedException {
    if (!LocalCluster.await(millis, c)) {
      throw new AssertionError("timed out after " + millis + " ms waiting for " + what);
    }
  }

  private int leaderAmong(List<Integer> members) {
    return cluster.leaderAmong(members);
  }

  private List<Integer> all() {
    return cluster.members();
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
    cluster = new LocalCluster(dir, N, HEARTBEAT_MS, ELECTION_MS);
    cluster.startAll();
    await("a leader of all five", STARTUP_MS, () -> leaderAmong(all()) != 0);
    int first = leaderAmong(all());
    List<String> acked = new ArrayList<>();
    String[] put = etcdctl(all(), "put", "k0", "v0");
    assertThat(put[1]).contains("OK");
    acked.add("k0");
    assertThat(etcdctl(all(), "get", "k0")[1]).contains("v0");
    // raftkv's own verbs against the same cluster.
    assertThat(raftkv("put", "r0", "raftkv-value", "--endpoints", cluster.clientEndpoints())[1])
        .contains("OK");
    assertThat(raftkv("get", "r0", "--endpoints", cluster.clientEndpoints())[1])
        .contains("r0\nraftkv-value");
    assertThat(raftkv("status", "--endpoints", cluster.clientEndpoints())[1])
        .contains("role=leader");
    assertThat(raftkv("del", "r0", "--endpoints", cluster.clientEndpoints())[1].strip())
        .isEqualTo("1");

    // kill -9 the leader: the others elect a new one within 3 election timeouts.
    cluster.kill(first);
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
    cluster.start(first);
    await(
        first + " to follow " + second,
        STARTUP_MS,
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
    await("a leader without " + second, ELECTION_UNDER_LOAD_MS, () -> leaderAmong(others) != 0);
    await(
        second + " to step down (CheckQuorum)",
        ELECTION_UNDER_LOAD_MS,
        () -> !"leader".equals(status(second).get("role")));
    // A write sent to the old leader does not succeed there.
    String[] cutOff = etcdctl(List.of(second), "put", "k-detached", "never");
    assertThat(cutOff[0]).as(cutOff[1]).isNotEqualTo("0");
    post(second, "/attach");
    await(
        second + " to follow again",
        ELECTION_UNDER_LOAD_MS,
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
        ELECTION_UNDER_LOAD_MS,
        () -> all().stream().noneMatch(i -> "leader".equals(status(i).get("role"))));
    for (int i : all()) {
      post(i, "/attach");
    }
    await("a leader after healing", ELECTION_UNDER_LOAD_MS, () -> leaderAmong(all()) != 0);
    assertThat(etcdctl(all(), "put", "k4", "v4")[1]).contains("OK");
    acked.add("k4");

    // Block lists through raftkv's admin verb: a leader that blocks every peer is cut off both
    // ways at itself; the others elect a leader; unblocking lets it rejoin.
    int blocker = leaderAmong(all());
    List<Integer> unblocked = new ArrayList<>(all());
    unblocked.remove(Integer.valueOf(blocker));
    String peers =
        String.join(
            ",", unblocked.stream().map(i -> Long.toHexString(cluster.memberId(i))).toList());
    String[] blocked =
        raftkv("admin", "block", "--peers", peers, "--endpoints", cluster.clientTarget(blocker));
    assertThat(blocked[0]).isEqualTo("0");
    assertThat(blocked[1]).contains("blocked=" + peers);
    await("a leader without " + blocker, ELECTION_UNDER_LOAD_MS, () -> leaderAmong(unblocked) != 0);
    String[] cleared = raftkv("admin", "unblock", "--endpoints", cluster.clientTarget(blocker));
    assertThat(cleared[0]).isEqualTo("0");
    assertThat(cleared[1]).doesNotContain("blocked=");
    await(
        blocker + " to follow again",
        ELECTION_UNDER_LOAD_MS,
        () ->
            "follower".equals(status(blocker).get("role"))
                && !status(blocker).get("leader").isEmpty());

    // Restart the whole cluster: every acknowledged write is still there.
    for (int i : all()) {
      cluster.stop(i);
    }
    cluster.startAll();
    await("a leader after the restart", STARTUP_MS, () -> leaderAmong(all()) != 0);
    String all = etcdctl(all(), "get", "k", "--prefix", "--keys-only")[1];
    for (String k : acked) {
      assertThat(all).contains(k);
    }
    assertThat(all).doesNotContain("k3").doesNotContain("k-detached");

    // Every member has the same hashKV; leadership moves on request.
    await(
        "every member to apply everything",
        ELECTION_UNDER_LOAD_MS,
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
    await("the target to lead", ELECTION_UNDER_LOAD_MS, () -> leaderAmong(all()) == target);
  }
}

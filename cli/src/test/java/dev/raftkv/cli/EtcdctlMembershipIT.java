package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code etcdctl member list/add/promote/remove} against three raftkv server processes, and a
 * fourth process started with exactly the flags {@code etcdctl member add} prints. The expected
 * lines are what etcdctl 3.4 prints against a real etcd (apart from ids and ports).
 */
class EtcdctlMembershipIT {
  private static final int HEARTBEAT_MS = 50;
  private static final int ELECTION_MS = 500;

  @TempDir Path dir;
  private final Map<String, Process> procs = new HashMap<>();
  private final Map<String, int[]> ports = new HashMap<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : procs.values()) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static boolean haveEtcdctl() {
    try {
      return new ProcessBuilder("etcdctl", "version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private String peer(String name) {
    return "http://127.0.0.1:" + ports.get(name)[1];
  }

  private Process start(String name, String initialCluster, String state) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    int[] p = ports.get(name);
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "server",
            "--name",
            name,
            "--data-dir",
            dir.resolve(name).toString(),
            "--listen-client-urls",
            "http://127.0.0.1:" + p[0],
            "--listen-peer-urls",
            peer(name),
            "--listen-admin-url",
            "http://127.0.0.1:" + p[2],
            "--initial-cluster",
            initialCluster,
            "--initial-cluster-state",
            state,
            "--heartbeat-interval",
            String.valueOf(HEARTBEAT_MS),
            "--election-timeout",
            String.valueOf(ELECTION_MS));
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    Process proc = pb.start();
    procs.put(name, proc);
    return proc;
  }

  /** Runs etcdctl against n1..n3; returns exit code and output. */
  private String[] etcdctl(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("etcdctl", "--command-timeout=8s", "--dial-timeout=2s"));
    StringBuilder eps = new StringBuilder();
    for (String n : List.of("n1", "n2", "n3")) {
      eps.append(eps.length() == 0 ? "" : ",").append("127.0.0.1:").append(ports.get(n)[0]);
    }
    cmd.add("--endpoints=" + eps);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean done = p.waitFor(30, TimeUnit.SECONDS);
    // etcdctl logs a JSON retry warning before some errors; keep only its own lines.
    StringBuilder errLines = new StringBuilder();
    for (String l : err.split("\n")) {
      if (!l.isBlank() && !l.startsWith("{")) {
        errLines.append(l).append('\n');
      }
    }
    return new String[] {done ? String.valueOf(p.exitValue()) : "timeout", out + errLines};
  }

  /**
   * How long a process start (a JVM each) or a membership change may take: generous, because this
   * machine is shared and a JVM starting under a load of 20 or more takes tens of seconds; a member
   * that never comes up still fails the test.
   */
  private static final long STARTUP_MS = 120_000;

  private static void await(String what, long millis, java.util.concurrent.Callable<Boolean> c)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!c.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + millis + " ms waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  @Test
  void etcdctlAddsPromotesListsAndRemovesMembers() throws Exception {
    if (!haveEtcdctl()) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("etcdctl is missing on CI: .ci/run must install etcd-client");
      }
      org.junit.jupiter.api.Assumptions.assumeTrue(
          false, "etcdctl is not installed (apt-get install etcd-client); skipping");
    }
    for (String n : List.of("n1", "n2", "n3", "n4")) {
      ports.put(
          n,
          new int[] {LoopbackPorts.allocate(), LoopbackPorts.allocate(), LoopbackPorts.allocate()});
    }
    String initial = "n1=" + peer("n1") + ",n2=" + peer("n2") + ",n3=" + peer("n3");
    for (String n : List.of("n1", "n2", "n3")) {
      start(n, initial, "new");
    }
    await(
        "three started members",
        STARTUP_MS,
        () -> {
          String[] r = etcdctl("member", "list");
          return r[0].equals("0")
              && r[1].lines().filter(l -> l.contains(", started, ")).count() == 3;
        });
    String list = etcdctl("member", "list")[1];
    for (String n : List.of("n1", "n2", "n3")) {
      assertThat(list)
          .containsPattern(
              "[0-9a-f]+, started, "
                  + n
                  + ", "
                  + Pattern.quote(peer(n))
                  + ", http://127.0.0.1:"
                  + ports.get(n)[0]
                  + ", false");
    }

    String[] added = etcdctl("member", "add", "n4", "--learner", "--peer-urls=" + peer("n4"));
    assertThat(added[0]).isEqualTo("0");
    Matcher m =
        // etcdctl prints ids with %16x: an id of fewer hex digits comes with leading spaces.
        Pattern.compile("Member\\s+([0-9a-f]+) added to cluster\\s+([0-9a-f]+)").matcher(added[1]);
    assertThat(m.find()).as(added[1]).isTrue();
    String id = m.group(1);
    assertThat(added[1]).contains("ETCD_NAME=\"n4\"");
    Matcher ic = Pattern.compile("ETCD_INITIAL_CLUSTER=\"([^\"]+)\"").matcher(added[1]);
    assertThat(ic.find()).isTrue();
    // In member id order, as etcd lists them.
    assertThat(ic.group(1).split(","))
        .containsExactlyInAnyOrder((initial + ",n4=" + peer("n4")).split(","));
    assertThat(added[1]).contains("ETCD_INITIAL_ADVERTISE_PEER_URLS=\"" + peer("n4") + "\"");
    assertThat(added[1]).contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
    assertThat(etcdctl("member", "list")[1])
        .contains(id + ", unstarted, , " + peer("n4") + ", , true");
    assertThat(etcdctl("member", "promote", id)[1])
        .contains(
            "Error: etcdserver: can only promote a learner member which is in sync with leader");

    // The fourth member, with what etcdctl printed.
    start("n4", ic.group(1), "existing");
    await(
        "n4 to start",
        STARTUP_MS,
        () -> etcdctl("member", "list")[1].contains(id + ", started, n4, " + peer("n4")));
    await(
        "the promotion",
        STARTUP_MS,
        () ->
            Pattern.compile("Member\\s+" + id + " promoted in cluster")
                .matcher(etcdctl("member", "promote", id)[1])
                .find());
    assertThat(etcdctl("member", "list")[1])
        .contains(
            id
                + ", started, n4, "
                + peer("n4")
                + ", http://127.0.0.1:"
                + ports.get("n4")[0]
                + ", false");
    assertThat(etcdctl("member", "promote", id)[1])
        .contains("Error: etcdserver: can only promote a learner member");
    assertThat(etcdctl("member", "update", id, "--peer-urls=" + peer("n4"))[1])
        .containsPattern("Member\\s+" + id + " updated in cluster");
    assertThat(etcdctl("member", "update", id, "--peer-urls=" + peer("n2"))[1])
        .contains("Error: etcdserver: Peer URLs already exists");
    assertThat(etcdctl("member", "remove", "1234")[1])
        .contains("Error: etcdserver: member not found");
    assertThat(etcdctl("member", "add", "x", "--peer-urls=" + peer("n1"))[1])
        .contains("Error: etcdserver: Peer URLs already exists");

    String[] removed = etcdctl("member", "remove", id);
    assertThat(removed[1]).containsPattern("Member\\s+" + id + " removed from cluster");
    Process n4 = procs.get("n4");
    assertThat(n4.waitFor(120, TimeUnit.SECONDS)).as("n4 stops after its removal").isTrue();
    assertThat(n4.exitValue()).isZero();
    assertThat(Files.readString(dir.resolve("n4.log")))
        .contains("the member has been permanently removed from the cluster");
    assertThat(etcdctl("member", "list")[1].lines().filter(l -> !l.isBlank()).count()).isEqualTo(3);
    assertThat(etcdctl("put", "after", "removal")[1]).contains("OK");
  }
}

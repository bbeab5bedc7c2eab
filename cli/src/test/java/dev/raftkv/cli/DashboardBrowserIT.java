package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.cli.chaos.LocalCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin dashboard in a real browser: Debian's {@code chromium}, driven by {@code
 * playwright-core} from npm ({@code src/test/browser}, installed with {@code npm ci} under {@code
 * target/}). Three real server processes ({@link LocalCluster}); the page is opened on a follower;
 * it must name the real leader; the leader is killed with SIGKILL; the page must name another
 * member, the cluster's real new leader, within {@link #NEW_LEADER_BOUND_MS}. The page is saved as
 * {@code target/dashboard.png} (the README shows a copy, {@code docs/dashboard.png}). Then the
 * page's Detach and Attach buttons must cut the member off and join it again.
 *
 * <p>On CI ({@code CI} set) a missing {@code chromium}, {@code node} or {@code npm} fails the test,
 * because {@code .ci/run} installs them; elsewhere the test is skipped saying what to install.
 */
class DashboardBrowserIT {
  private static final int HEARTBEAT_MS = 100;
  private static final int ELECTION_MS = 1000; // etcd's default

  /**
   * How soon after the kill the page must name the new leader: the followers notice the leader is
   * gone and elect another within twice the election timeout (each member's timeout is drawn from
   * [election timeout, 2 x election timeout)); the member behind the page sees the new leader at
   * its next look (every heartbeat) and sends a snapshot at once, or at worst with the next
   * periodic one, one {@code EventStream.PERIOD} (1 s) later.
   */
  static final long NEW_LEADER_BOUND_MS = 2L * ELECTION_MS + 1000;

  /** Real JVMs starting on this shared machine under load take tens of seconds. */
  private static final long STARTUP_MS = 120_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private LocalCluster cluster;
  private Process browser;
  private final AtomicBoolean loading = new AtomicBoolean(true);
  private Thread load;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    loading.set(false);
    if (load != null) {
      load.join(10_000);
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (browser != null && browser.isAlive()) {
      // end of input makes the script close chromium itself; if it does not, kill what it started
      try {
        browser.getOutputStream().close();
      } catch (IOException gone) {
        // the script is already ending
      }
      if (!browser.waitFor(15, TimeUnit.SECONDS)) {
        browser.descendants().forEach(ProcessHandle::destroyForcibly);
        browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void thePageFollowsTheLeaderAcrossAKill() throws Exception {
    require("chromium", "chromium");
    require("node", "nodejs");
    require("npm", "npm");
    Path work = installPlaywright();

    cluster = new LocalCluster(dir, 3, HEARTBEAT_MS, ELECTION_MS);
    cluster.startAll();
    List<Integer> all = cluster.members();
    assertThat(LocalCluster.await(STARTUP_MS, () -> cluster.leaderAmong(all) != 0))
        .as("a leader of the three within %d ms", STARTUP_MS)
        .isTrue();
    int leader = cluster.leaderAmong(all);
    int follower = all.stream().filter(i -> i != leader).findFirst().orElseThrow();
    startLoad(follower);

    Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    ProcessBuilder node =
        new ProcessBuilder(
                "node",
                "dashboard-test.mjs",
                cluster.adminUri(follower) + "/",
                screenshot.toString(),
                String.valueOf(NEW_LEADER_BOUND_MS))
            .directory(work.toFile())
            .redirectError(work.resolve("node-stderr.log").toFile());
    // chromium's profile and playwright's scratch files under target/, even if the script is killed
    Path tmp = Files.createDirectories(work.resolve("tmp"));
    node.environment().put("TMPDIR", tmp.toString());
    browser = node.start();
    BlockingQueue<String> lines = lines(browser);
    Writer toBrowser = new OutputStreamWriter(browser.getOutputStream(), StandardCharsets.UTF_8);

    JsonNode shown = step(lines, "leader", 60_000);
    assertThat(shown.get("self").asText()).isEqualTo(String.valueOf(follower));
    int leaderNow = cluster.leaderAmong(all);
    assertThat(shown.get("leader").asText())
        .as("the leader the page names is the cluster's")
        .isEqualTo(String.valueOf(leaderNow));
    // a few more seconds of puts, so that the charts have something to show
    Thread.sleep(4_000);

    cluster.kill(leaderNow);
    long killedAt = System.nanoTime();
    toBrowser.write("killed " + leaderNow + "\n");
    toBrowser.flush();
    JsonNode next = step(lines, "new-leader", NEW_LEADER_BOUND_MS + 10_000);
    long javaMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    List<Integer> rest = new ArrayList<>(all);
    rest.remove(Integer.valueOf(leaderNow));
    assertThat(LocalCluster.await(10_000, () -> cluster.leaderAmong(rest) != 0)).isTrue();
    int newLeader = cluster.leaderAmong(rest);
    System.out.printf(
        "dashboard: leader %d killed; page named %s after %d ms (browser clock), %d ms (test"
            + " clock); bound %d ms%n",
        leaderNow,
        next.get("leader").asText(),
        next.get("ms").asLong(),
        javaMs,
        NEW_LEADER_BOUND_MS);
    assertThat(next.get("leader").asText())
        .as("the page names the cluster's new leader")
        .isEqualTo(String.valueOf(newLeader))
        .isNotEqualTo(String.valueOf(leaderNow));
    // Timed from the kill by this test's clock (the browser's own wait, which gives up at the
    // bound, starts only when it reads "killed").
    assertThat(javaMs)
        .as("the page names the new leader within %d ms of the kill", NEW_LEADER_BOUND_MS)
        .isLessThanOrEqualTo(NEW_LEADER_BOUND_MS);

    JsonNode done = step(lines, "done", 60_000);
    assertThat(browser.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(done.get("pageErrors")).as("errors in the page").isEmpty();
    assertThat(done.get("charts").asInt()).as("charts drawn").isEqualTo(4);
    List<String> timeline = new ArrayList<>();
    done.get("timeline").forEach(n -> timeline.add(n.asText()));
    assertThat(timeline).anyMatch(l -> l.endsWith(": " + newLeader + " leads"));
    assertThat(timeline).anyMatch(l -> l.endsWith(": election"));
    assertThat(Files.size(screenshot)).as("the screenshot").isGreaterThan(10_000);
    // the partition switch: Detach, then Attach (loopback, auth disabled: allowed)
    assertThat(done.get("buttons").get(0).get("result").asText())
        .isEqualTo("done: {\"detached\":true}");
    assertThat(done.get("buttons").get(1).get("result").asText())
        .isEqualTo("done: {\"detached\":false}");
  }

  /** Copies the browser test's npm project to {@code target/} and installs it ({@code npm ci}). */
  private static Path installPlaywright() throws IOException, InterruptedException {
    Path from = Path.of("src", "test", "browser");
    Path work = Path.of("target", "dashboard-browser").toAbsolutePath();
    Files.createDirectories(work);
    for (String f : List.of("package.json", "package-lock.json", "dashboard-test.mjs")) {
      Files.copy(from.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    Process npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("npm-ci.log").toFile())
            .start();
    if (!npm.waitFor(5, TimeUnit.MINUTES)) {
      npm.destroyForcibly();
      throw new AssertionError("npm ci did not finish in 5 minutes; see " + work);
    }
    assertThat(npm.exitValue())
        .as("npm ci: %s", Files.readString(work.resolve("npm-ci.log")))
        .isZero();
    return work;
  }

  /** Puts a key about 20 times a second through {@code member} until the test ends. */
  private void startLoad(int member) {
    String[] hp = cluster.clientTarget(member).split(":");
    channel = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext().build();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
    load =
        new Thread(
            () -> {
              for (int n = 0; loading.get(); n++) {
                try {
                  kv.withDeadlineAfter(2, TimeUnit.SECONDS)
                      .put(
                          PutRequest.newBuilder()
                              .setKey(ByteString.copyFromUtf8("dashboard/" + (n % 100)))
                              .setValue(ByteString.copyFromUtf8("v" + n))
                              .build());
                  Thread.sleep(50);
                } catch (io.grpc.StatusRuntimeException duringElection) {
                  // no leader for a moment: go on
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "dashboard-load");
    load.setDaemon(true);
    load.start();
  }

  /** The browser script's output lines, as they come. */
  private static BlockingQueue<String> lines(Process p) {
    BlockingQueue<String> out = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  out.add(line);
                }
              } catch (IOException ended) {
                // the process is gone
              }
            },
            "dashboard-browser-output");
    reader.setDaemon(true);
    reader.start();
    return out;
  }

  /** The script's next output line, which must be {@code step}, within {@code millis}. */
  private JsonNode step(BlockingQueue<String> lines, String step, long millis)
      throws IOException, InterruptedException {
    String line = lines.poll(millis, TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError(
          "the browser script said nothing for "
              + millis
              + " ms waiting for step "
              + step
              + "; its stderr: "
              + Files.readString(Path.of("target", "dashboard-browser", "node-stderr.log")));
    }
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("step").asText()).as("browser script: %s", line).isEqualTo(step);
    return n;
  }

  /**
   * Makes sure {@code binary} runs ({@code binary --version}); fails on CI, where {@code .ci/run}
   * installs it, else skips the test naming the Debian package.
   */
  private static void require(String binary, String debianPackage) {
    boolean runs;
    try {
      Process p =
          new ProcessBuilder(binary, "--version")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      runs = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    } catch (IOException e) {
      runs = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      runs = false;
    }
    if (runs) {
      return;
    }
    if (System.getenv("CI") != null) {
      throw new AssertionError(
          binary + " is missing on CI: .ci/run must install the Debian package " + debianPackage);
    }
    Assumptions.abort(
        binary + " is not installed (apt-get install " + debianPackage + "); skipping");
  }
}

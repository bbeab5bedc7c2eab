package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's JSON gateway: {@code src/test/scripts/gateway-calls.sh} (curl, as a user would call it)
 * run against a fresh 3-member etcd 3.4 and a fresh 3-member raftkv, each call's response body and
 * HTTP status compared after masking what differs between any two clusters: ids, terms, versions,
 * sizes, indexes, hashes, tokens, member names and endpoints, and a lease's remaining TTL. Every
 * revision, key, value, count, error message and status code is compared as printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayCompatIT {
  private static final Path SCRIPT = Path.of("src/test/scripts/gateway-calls.sh");

  /** Values that differ between any two clusters, masked wherever they appear. */
  private static final Pattern MASKED =
      Pattern.compile(
          "\"(cluster_id|member_id|raft_term|leader|memberID|hash|token|dbSize|dbSizeInUse|etcdserver|etcdcluster"
              + "|raftIndex|raftTerm|raftAppliedIndex)\":(\"[^\"]*\"|\\d+)"
              + "|\"(version)\":\"\\d+\\.\\d+\\.[^\"]*\"");

  /** Member ids (leases here have small ids the script chose). */
  private static final Pattern MEMBER_ID = Pattern.compile("\"ID\":\"\\d{8,}\"");

  private static final Pattern ENDPOINT = Pattern.compile("127\\.0\\.0\\.1:\\d+");
  private static final Pattern TTL = Pattern.compile("\"TTL\":\"\\d+\"");

  private RealEtcdCluster etcd;
  private RaftkvCluster raftkv;
  private Map<String, String> expected;
  private Map<String, String> actual;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Binaries.requireCurl();
    Binaries.requireEtcd();
    Binaries.requireEtcdctl(); // to move the leadership
    etcd = RealEtcdCluster.start(dir.resolve("etcd"), 3, 100, 1000);
    raftkv = RaftkvCluster.start(dir.resolve("raftkv"), 3, 100, 1000);
    ClusterSide want =
        new ClusterSide(
            "etcd",
            etcd.clientEndpoints(),
            etcd.peerEndpoints(),
            etcd.memberNames(),
            Files.createDirectories(dir.resolve("etcd-out")));
    ClusterSide got =
        new ClusterSide(
            "raftkv",
            raftkv.clientEndpoints(),
            raftkv.peerEndpoints(),
            raftkv.memberNames(),
            Files.createDirectories(dir.resolve("raftkv-out")));
    // the script talks to the first member: the leader on both, so leader-only answers compare
    want.captureMemberIds();
    got.captureMemberIds();
    want.makeLeader(0);
    got.makeLeader(0);
    expected = blocks(run(etcd.clientEndpoints().get(0)), etcd.memberNames());
    actual = blocks(run(raftkv.clientEndpoints().get(0)), raftkv.memberNames());
  }

  @AfterAll
  void stop() {
    if (raftkv != null) {
      raftkv.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> gatewayCalls() {
    assertThat(expected).as("the script's calls against etcd").hasSizeGreaterThan(60);
    assertThat(actual.keySet()).as("the same calls").containsExactlyElementsOf(expected.keySet());
    return expected.keySet().stream()
        .map(
            name ->
                DynamicTest.dynamicTest(
                    name,
                    () ->
                        assertThat(actual.get(name))
                            .as("raftkv's answer to '" + name + "' (etcd's is expected)")
                            .isEqualTo(expected.get(name))));
  }

  private static String run(String endpoint) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("bash", SCRIPT.toString(), "http://" + endpoint)
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("the script ends").isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }

  /**
   * The script's output by block name, masked. A block of a stream with several watchers has its
   * lines sorted: the order between watchers of one stream is not etcd's contract (nor stable).
   */
  private static Map<String, String> blocks(String output, List<String> memberNames) {
    Map<String, String> out = new LinkedHashMap<>();
    String name = null;
    List<String> lines = new ArrayList<>();
    for (String line : (output + "\n### end").split("\n", -1)) {
      if (line.startsWith("### ")) {
        if (name != null) {
          out.put(name, mask(name, lines, memberNames));
        }
        name = line.substring(4);
        lines = new ArrayList<>();
      } else {
        lines.add(line);
      }
    }
    return out;
  }

  /** The masked field's name (one of the pattern's two groups). */
  private static String name(java.util.regex.MatchResult r) {
    return r.group(1) != null ? r.group(1) : r.group(3);
  }

  private static String mask(String block, List<String> lines, List<String> memberNames) {
    List<String> masked = new ArrayList<>();
    for (String line : lines) {
      String s = MASKED.matcher(line).replaceAll(r -> "\"" + name(r) + "\":<masked>");
      s = MEMBER_ID.matcher(s).replaceAll("\"ID\":<member id>");
      s = ENDPOINT.matcher(s).replaceAll("<endpoint>");
      for (String m : memberNames) {
        s = s.replace("\"name\":\"" + m + "\"", "\"name\":<member name>");
      }
      if (block.contains("timetolive")) {
        s = TTL.matcher(s).replaceAll("\"TTL\":<remaining>");
      }
      masked.add(s);
    }
    if (block.contains("two ranges on one stream")) {
      masked.sort(null);
    }
    return String.join("\n", masked);
  }
}

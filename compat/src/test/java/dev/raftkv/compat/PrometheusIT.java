package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.testkit.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's {@code prometheus}) scrapes a 3-member raftkv's client URLs
 * every second, as it would scrape etcd; its query API then says that every member has a leader,
 * that exactly one is the leader, and that committed proposals grow under puts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RaftkvCluster raftkv;
  private Process prometheus;
  private String api;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Binaries.requirePrometheus();
    raftkv = RaftkvCluster.start(dir.resolve("raftkv"), 3, 100, 1000);
    String targets =
        raftkv.clientEndpoints().stream().map(e -> "'" + e + "'").collect(Collectors.joining(", "));
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            + "scrape_configs:\n  - job_name: raftkv\n    static_configs:\n      - targets: ["
            + targets
            + "]\n");
    int port = LoopbackPorts.allocate();
    api = "http://127.0.0.1:" + port + "/api/v1/query?query=";
    prometheus =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
    if (raftkv != null) {
      raftkv.close();
    }
  }

  @Test
  void prometheusSeesOneLeaderAndCommitsGrowing() throws Exception {
    List<Double> hasLeader = awaitValues("etcd_server_has_leader", v -> v.size() == 3);
    assertThat(hasLeader).as("etcd_server_has_leader of the 3 members").containsOnly(1.0);
    assertThat(awaitValues("sum(etcd_server_is_leader)", v -> !v.isEmpty()))
        .as("sum of etcd_server_is_leader")
        .containsExactly(1.0);
    double before =
        awaitValues("max(etcd_server_proposals_committed_total)", v -> !v.isEmpty()).get(0);
    ManagedChannel ch =
        NettyChannelBuilder.forTarget(raftkv.clientEndpoints().get(0)).usePlaintext().build();
    try {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
      for (int i = 0; i < 50; i++) {
        kv.put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("p" + i))
                .setValue(ByteString.copyFromUtf8("v"))
                .build());
      }
    } finally {
      ch.shutdownNow();
    }
    List<Double> after =
        awaitValues(
            "min(etcd_server_proposals_committed_total)",
            v -> !v.isEmpty() && v.get(0) >= before + 50);
    assertThat(after.get(0))
        .as("committed proposals after 50 puts")
        .isGreaterThanOrEqualTo(before + 50);
  }

  /**
   * Queries until the values satisfy {@code done} (Prometheus scrapes every second), 60 s at most.
   */
  private List<Double> awaitValues(String query, Predicate<List<Double>> done) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<Double> values = List.of();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last = MetricsCompatIT.get(api + URLEncoder.encode(query, StandardCharsets.UTF_8));
        JsonNode result = JSON.readTree(last).path("data").path("result");
        values =
            java.util.stream.StreamSupport.stream(result.spliterator(), false)
                .map(r -> Double.parseDouble(r.path("value").path(1).asText()))
                .toList();
        if (done.test(values)) {
          return values;
        }
      } catch (java.io.IOException e) {
        last = e.toString(); // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "Prometheus query " + query + " never satisfied; last answer: " + last);
  }
}

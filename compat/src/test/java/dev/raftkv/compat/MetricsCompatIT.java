package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * raftkv's {@code /metrics} against a real etcd's: after the same few puts and ranges on a 3-member
 * cluster of each, every metric the operators' dashboards use (the list of issue 14) has etcd's
 * name, type and label names on raftkv's client URL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsCompatIT {
  /** The metrics that must match etcd's: name → nothing (the type and labels are compared). */
  static final List<String> ETCD_METRICS =
      List.of(
          "etcd_server_has_leader",
          "etcd_server_is_leader",
          "etcd_server_leader_changes_seen_total",
          "etcd_server_proposals_committed_total",
          "etcd_server_proposals_applied_total",
          "etcd_server_proposals_pending",
          "etcd_server_proposals_failed_total",
          "etcd_server_slow_apply_total",
          "etcd_disk_wal_fsync_duration_seconds",
          "etcd_disk_backend_commit_duration_seconds",
          "etcd_network_peer_sent_bytes_total",
          "etcd_network_peer_received_bytes_total",
          "etcd_network_peer_round_trip_time_seconds",
          "etcd_mvcc_db_total_size_in_bytes",
          "etcd_debugging_mvcc_keys_total",
          "etcd_server_snapshot_apply_in_progress_total",
          "grpc_server_started_total",
          "grpc_server_handled_total",
          "process_cpu_seconds_total",
          "process_resident_memory_bytes",
          "process_open_fds",
          "process_max_fds",
          "process_start_time_seconds");

  private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");
  private static final Pattern SAMPLE =
      Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? ");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  private RealEtcdCluster etcd;
  private RaftkvCluster raftkv;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Binaries.requireEtcd();
    etcd = RealEtcdCluster.start(dir.resolve("etcd"), 3, 100, 1000);
    raftkv = RaftkvCluster.start(dir.resolve("raftkv"), 3, 100, 1000);
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

  @Test
  void etcdsMetricsHaveEtcdsNamesTypesAndLabels() throws Exception {
    Map<String, String> want = scrapeUntilComplete(etcd.clientEndpoints());
    Map<String, String> got = scrapeUntilComplete(raftkv.clientEndpoints());
    for (String name : ETCD_METRICS) {
      assertThat(want).as("etcd serves %s", name).containsKey(name);
      assertThat(got.get(name))
          .as("raftkv's %s (type; label names)", name)
          .isEqualTo(want.get(name));
    }
  }

  /**
   * {@link #scrapeAll} until every metric of {@link #ETCD_METRICS} is there (30 s at most): etcd's
   * peer round trips appear once its prober has run, some seconds after the start.
   */
  static Map<String, String> scrapeUntilComplete(List<String> endpoints) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Map<String, String> m = scrapeAll(endpoints);
    while (!m.keySet().containsAll(ETCD_METRICS) && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      m = scrapeAll(endpoints);
    }
    return m;
  }

  /**
   * Writes and reads through every member (so that call counters and peer series exist), then
   * scrapes every member's client URL: metric name → "type; label names", over all members.
   */
  static Map<String, String> scrapeAll(List<String> endpoints) throws Exception {
    for (String e : endpoints) {
      ManagedChannel ch = NettyChannelBuilder.forTarget(e).usePlaintext().build();
      try {
        KVGrpc.KVBlockingStub kv =
            KVGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
          kv.put(
              PutRequest.newBuilder()
                  .setKey(ByteString.copyFromUtf8("m" + i))
                  .setValue(ByteString.copyFromUtf8("v"))
                  .build());
          kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("m" + i)).build());
        }
      } finally {
        ch.shutdownNow();
      }
    }
    Thread.sleep(1500); // heartbeat round trips are measured as heartbeats go (every 100 ms)
    Map<String, String> types = new TreeMap<>();
    Map<String, Set<String>> labels = new TreeMap<>();
    for (String e : endpoints) {
      String text = get("http://" + e + "/metrics");
      Matcher t = TYPE.matcher(text);
      while (t.find()) {
        types.put(t.group(1), t.group(2));
      }
      Matcher s = SAMPLE.matcher(text);
      while (s.find()) {
        String family = family(s.group(1), types);
        Set<String> names = labels.computeIfAbsent(family, f -> new TreeSet<>());
        if (s.group(2) != null) {
          Matcher l = LABEL.matcher(s.group(2));
          while (l.find()) {
            if (!l.group(1).equals("le")) {
              names.add(l.group(1));
            }
          }
        }
      }
    }
    Map<String, String> out = new TreeMap<>();
    types.forEach((name, type) -> out.put(name, type + "; " + labels.getOrDefault(name, Set.of())));
    return out;
  }

  /** The family a sample belongs to: its name, or its name without a histogram's suffix. */
  private static String family(String sample, Map<String, String> types) {
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        if ("histogram".equals(types.get(base))) {
          return base;
        }
      }
    }
    return sample;
  }

  static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET " + url).isEqualTo(200);
    return r.body();
  }
}

package dev.raftkv.server.metrics;

import dev.raftkv.kv.KvStore;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.Role;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.storage.FileIo;
import dev.raftkv.transport.PeerTraffic;
import dev.raftkv.transport.TcpTransport;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One member's metrics, named and typed as etcd 3.4's (its {@code /metrics}), in a registry of
 * their own (several members may share a JVM): Raft state, proposals, the disk, the peers, the
 * store, the gRPC calls ({@link GrpcMetrics}), and the JVM and process (client_java's {@code
 * JvmMetrics}).
 *
 * <p>Cost on the write path: one {@code System.nanoTime()} pair and a histogram observation per WAL
 * fsync and per applied batch, an adder per peer frame, two counter increments per gRPC call.
 * Everything else (leader, indexes, sizes, byte totals) is read when scraped. Thread-safe.
 */
public final class ServerMetrics {
  /** The text format's content type (Prometheus text 0.0.4, what etcd serves). */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  /** An apply slower than this counts in {@code etcd_server_slow_apply_total} (etcd's 100 ms). */
  static final Duration SLOW_APPLY = Duration.ofMillis(100);

  private static final double NANOS_PER_SECOND = 1e9;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram walFsync;
  private final Histogram backendCommit;
  private final Histogram peerRoundTrip;
  private final Counter slowApply;
  private final GrpcMetrics grpc;
  private final LongAdder timedOut = new LongAdder();
  private final LongAdder applyNanos = new LongAdder();

  /** The last heartbeat round sent to each peer: {round, System.nanoTime() when sent}. */
  private final Map<Long, long[]> heartbeats = new ConcurrentHashMap<>();

  /** The metrics that need no running member yet (the disk's are taken while it opens). */
  public ServerMetrics() {
    walFsync =
        Histogram.builder()
            .name("etcd_disk_wal_fsync_duration_seconds")
            .help("The latency distributions of fsync called by WAL.")
            .classicUpperBounds(exponential(0.001, 2, 14))
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    backendCommit =
        Histogram.builder()
            .name("etcd_disk_backend_commit_duration_seconds")
            .help("The latency distributions of commit called by backend.")
            .classicUpperBounds(exponential(0.001, 2, 14))
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    peerRoundTrip =
        Histogram.builder()
            .name("etcd_network_peer_round_trip_time_seconds")
            .help("Round-Trip-Time histogram between peers")
            .labelNames("To")
            .classicUpperBounds(exponential(0.0001, 2, 14))
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    slowApply =
        Counter.builder()
            .name("etcd_server_slow_apply_total")
            .help("The total number of slow apply requests (likely overloaded from slow disk).")
            .withoutExemplars()
            .register(registry);
    grpc = new GrpcMetrics(registry);
    JvmMetrics.builder().register(registry);
  }

  /**
   * Registers what is read from the running member when scraped: leader, indexes, proposals,
   * snapshot restores, store size and keys, and the bytes exchanged with each peer.
   */
  public void bind(RaftRuntime runtime, KvStore store, TcpTransport transport) {
    gauge(
        "etcd_server_has_leader",
        "Whether or not a leader exists. 1 is existence, 0 is not.",
        () -> runtime.status().leader() != 0 ? 1 : 0);
    gauge(
        "etcd_server_is_leader",
        "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        () -> runtime.status().role() == Role.LEADER ? 1 : 0);
    CounterWithCallback.builder()
        .name("etcd_server_leader_changes_seen_total")
        .help("The number of leader changes seen.")
        .callback(cb -> cb.call((double) runtime.leaderChanges()))
        .register(registry);
    gauge(
        "etcd_server_proposals_committed_total",
        "The total number of consensus proposals committed.",
        () -> runtime.status().commit());
    gauge(
        "etcd_server_proposals_applied_total",
        "The total number of consensus proposals applied.",
        runtime::appliedIndex);
    gauge(
        "etcd_server_proposals_pending",
        "The current number of pending proposals to commit.",
        runtime::pendingProposals);
    CounterWithCallback.builder()
        .name("etcd_server_proposals_failed_total")
        .help("The total number of failed proposals seen.")
        .callback(cb -> cb.call((double) (runtime.failedProposals() + timedOut.sum())))
        .register(registry);
    gauge(
        "etcd_server_snapshot_apply_in_progress_total",
        "1 if the server is applying the incoming snapshot. 0 if none.",
        () -> runtime.restoringSnapshot() ? 1 : 0);
    gauge(
        "etcd_mvcc_db_total_size_in_bytes",
        "Total size of the underlying database physically allocated in bytes.",
        store::dbSize);
    gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", store::keyCount);
    CounterWithCallback.builder()
        .name("etcd_network_peer_sent_bytes_total")
        .help("The total number of bytes sent to peers.")
        .labelNames("To")
        .callback(
            cb -> {
              for (Map.Entry<Long, PeerTraffic> e : transport.peerTraffic().entrySet()) {
                cb.call((double) e.getValue().sentBytes(), Long.toHexString(e.getKey()));
              }
            })
        .register(registry);
    CounterWithCallback.builder()
        .name("etcd_network_peer_received_bytes_total")
        .help("The total number of bytes received from peers.")
        .labelNames("From")
        .callback(
            cb -> {
              for (Map.Entry<Long, PeerTraffic> e : transport.peerTraffic().entrySet()) {
                cb.call((double) e.getValue().receivedBytes(), Long.toHexString(e.getKey()));
              }
            })
        .register(registry);
    store.observeApplies(
        (entries, batchNanos, commitNanos) -> {
          backendCommit.observe(commitNanos / NANOS_PER_SECOND);
          applyNanos.add(batchNanos);
          if (batchNanos > SLOW_APPLY.toNanos()) {
            slowApply.inc();
          }
        });
  }

  /**
   * {@code io} with the fsyncs of files under a directory named {@code wal} timed into {@code
   * etcd_disk_wal_fsync_duration_seconds}; everything else passes through.
   */
  public FileIo timingWalSyncs(FileIo io) {
    return new TimedFileIo(io, p -> isWal(p), nanos -> walFsync.observe(nanos / NANOS_PER_SECOND));
  }

  private static boolean isWal(Path p) {
    Path parent = p.getParent();
    return parent != null
        && parent.getFileName() != null
        && parent.getFileName().toString().equals("wal");
  }

  /** Counts gRPC calls by service, method and code (etcd's go-grpc-prometheus metrics). */
  public io.grpc.ServerInterceptor grpcInterceptor() {
    return grpc;
  }

  /** Requests that timed out waiting for their answer: counted as failed proposals, as etcd's. */
  public void proposalsTimedOut(int n) {
    timedOut.add(n);
  }

  /** Notes a message this member sends (a heartbeat starts a round trip). */
  public void sending(Message m) {
    if (m instanceof Message.Heartbeat h) {
      heartbeats.put(h.to(), new long[] {h.context(), System.nanoTime()});
    }
  }

  /** Notes a message this member received (a heartbeat's answer ends its round trip). */
  public void received(Message m) {
    if (m instanceof Message.HeartbeatResponse r) {
      long[] sent = heartbeats.get(r.from());
      if (sent != null && sent[0] == r.context()) {
        peerRoundTrip
            .labelValues(Long.toHexString(r.from()))
            .observe((System.nanoTime() - sent[1]) / NANOS_PER_SECOND);
      }
    }
  }

  /**
   * The running totals the admin dashboard charts, read now from the collectors' snapshots (the
   * same numbers {@code /metrics} serves) and the store's apply timings.
   */
  public MetricTotals totals() {
    HistogramSnapshot fsync = walFsync.collect();
    HistogramSnapshot commit = backendCommit.collect();
    return new MetricTotals(
        count(fsync),
        sum(fsync),
        count(commit),
        sum(commit),
        applyNanos.sum() / NANOS_PER_SECOND,
        grpc.handledEtcdCalls());
  }

  private static long count(HistogramSnapshot h) {
    return h.getDataPoints().stream().mapToLong(p -> p.getCount()).sum();
  }

  private static double sum(HistogramSnapshot h) {
    return h.getDataPoints().stream().mapToDouble(p -> p.getSum()).sum();
  }

  /** Writes every metric in Prometheus' text format. */
  public void writeTo(OutputStream out) throws IOException {
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
  }

  private void gauge(String name, String help, LongSupplier value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call((double) value.getAsLong()))
        .register(registry);
  }

  private static double[] exponential(double start, double factor, int count) {
    double[] b = new double[count];
    double v = start;
    for (int i = 0; i < count; i++) {
      b[i] = v;
      v *= factor;
    }
    return b;
  }
}

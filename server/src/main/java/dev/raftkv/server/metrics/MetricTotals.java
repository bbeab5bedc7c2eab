package dev.raftkv.server.metrics;

/**
 * The running totals of one member's metrics at one moment, for the admin dashboard's charts: the
 * difference of two, over the time between them, gives rates and mean latencies. Read from the same
 * collectors {@code /metrics} serves, plus the apply timings the store reports.
 *
 * @param walFsyncs fsyncs of the WAL ({@code etcd_disk_wal_fsync_duration_seconds_count})
 * @param walFsyncSeconds their total duration ({@code ..._sum})
 * @param backendCommits applied batches, each written to RocksDB in one write ({@code
 *     etcd_disk_backend_commit_duration_seconds_count}; one per {@link dev.raftkv.kv.ApplyTimings}
 *     report)
 * @param backendCommitSeconds the total duration of those writes ({@code ..._sum})
 * @param applySeconds the total duration of those batches' applies, their writes included
 * @param requests etcd API calls completed ({@code grpc_server_handled_total} over every service
 *     but raftkv's own {@code raftkvpb} ones, whatever their code)
 */
public record MetricTotals(
    long walFsyncs,
    double walFsyncSeconds,
    long backendCommits,
    double backendCommitSeconds,
    double applySeconds,
    double requests) {}

package dev.raftkv.server.metrics;

/**
 * The running totals of one member's metrics at one moment, for the admin dashboard's charts: the
 * difference of two, over the time between them, gives rates and mean latencies. Read from the same
 * collectors {@code /metrics} serves, plus the apply timings the store reports.
 *
 * @param walFsyncs fsyncs of the WAL ({@code etcd_disk_wal_fsync_duration_seconds_count})
 * @param walFsyncSeconds their total duration ({@code ..._sum})
 * @param backendCommits applied batches written to RocksDB ({@code
 *     etcd_disk_backend_commit_duration_seconds_count})
 * @param backendCommitSeconds their total duration ({@code ..._sum})
 * @param applies applied batches (one per {@link dev.raftkv.kv.ApplyTimings} report)
 * @param applySeconds their total duration, the RocksDB write included
 * @param requests etcd API calls completed ({@code grpc_server_handled_total} over every service
 *     but raftkv's own {@code raftkvpb} ones, whatever their code)
 */
public record MetricTotals(
    long walFsyncs,
    double walFsyncSeconds,
    long backendCommits,
    double backendCommitSeconds,
    long applies,
    double applySeconds,
    double requests) {}

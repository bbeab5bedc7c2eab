package dev.raftkv.server.dashboard;

/**
 * One point of each of the dashboard's charts: this member's rates and mean latencies over the
 * interval that ended at {@code timeMillis}. A latency is {@link Double#NaN} when nothing was timed
 * in the interval (no fsync, no apply): there is no mean to show.
 *
 * @param timeMillis the end of the interval (epoch milliseconds)
 * @param committedPerSecond entries committed per second (the rise of the commit index, {@code
 *     etcd_server_proposals_committed_total})
 * @param appliedPerSecond entries applied per second ({@code etcd_server_proposals_applied_total})
 * @param requestsPerSecond etcd API calls completed per second ({@code grpc_server_handled_total})
 * @param walFsyncMillis the mean WAL fsync ({@code etcd_disk_wal_fsync_duration_seconds})
 * @param backendCommitMillis the mean RocksDB write of an applied batch ({@code
 *     etcd_disk_backend_commit_duration_seconds})
 * @param applyMillis the mean apply of a batch, its RocksDB write included
 */
public record ChartSample(
    long timeMillis,
    double committedPerSecond,
    double appliedPerSecond,
    double requestsPerSecond,
    double walFsyncMillis,
    double backendCommitMillis,
    double applyMillis) {}

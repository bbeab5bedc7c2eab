/**
 * One raftkv member serving etcd's v3 gRPC API ({@code docs/server.md}).
 *
 * <p>{@link dev.raftkv.server.RaftkvServer} is the composition root: it builds the storage, the
 * transport, the runtime, the KV state machine and the services from a {@link
 * dev.raftkv.server.ServerConfig}, in plain code. The services translate between etcd's protos and
 * the kv records: {@code EtcdKvService} (KV, and the request timeouts of {@code RequestTimeouts}),
 * {@code EtcdWatchService} over {@code WatchHub}, {@code EtcdLeaseService} with {@code
 * LeaseManager} (lease deadlines on the leader), {@code EtcdClusterService} (membership, with
 * etcd's checks in {@code ReconfigChecks}), {@code EtcdMaintenanceService} (status, hashes,
 * move-leader, snapshots). {@code LeaderChannels} forwards what only the leader can answer; {@code
 * Identity} and {@code Membership} join a member to a running cluster; {@code AdminServer} serves
 * the admin endpoint (status, detach, attach, blocks).
 */
package dev.raftkv.server;

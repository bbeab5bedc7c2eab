/**
 * One raftkv member serving etcd's v3 gRPC API ({@code docs/server.md}).
 *
 * <p>{@link dev.raftkv.server.RaftkvServer} is the composition root: it builds the storage, the
 * transport, the runtime, the KV state machine and the services from a {@link
 * dev.raftkv.server.ServerConfig}, in plain code, as an ordered list of {@code Parts} closed in
 * reverse. Every service takes the server core {@code KvServer} (propose and get the result, read
 * barrier, header, limits, request timeouts), never another service; errors come from one table
 * ({@code EtcdError}) and conversions from one place ({@code EtcdProtos}). The services: {@code
 * EtcdKvService} (KV), {@code EtcdWatchService} over the kv module's {@code WatchHub} (its replies
 * put on the wire by {@code GrpcWatchSink}), {@code EtcdLeaseService} with the kv module's {@code
 * LeaseExpiry} (lease deadlines on the leader), {@code EtcdClusterService} (membership, with etcd's
 * checks in {@code ReconfigChecks}), {@code EtcdMaintenanceService} (status, hashes, move-leader,
 * snapshots). {@code LeaderChannels} forwards what only the leader can answer; {@code Identity} and
 * {@code Membership} join a member to a running cluster; {@code AdminServer} serves the admin
 * endpoint (status, detach, attach, blocks).
 */
package dev.raftkv.server;

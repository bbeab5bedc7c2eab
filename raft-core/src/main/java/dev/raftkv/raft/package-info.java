/**
 * The Raft algorithm as a deterministic state machine: no I/O, no threads, no clock, and randomness
 * only from the {@link java.util.Random} a node is given.
 *
 * <p>The public side:
 *
 * <ul>
 *   <li>{@link dev.raftkv.raft.RaftNode}: one member, the façade the caller drives ({@code tick},
 *       {@code step}, the requests, then {@code ready}/{@code advance}); configured by {@link
 *       dev.raftkv.raft.RaftConfig}.
 *   <li>{@link dev.raftkv.raft.Ready}: what the caller must persist, send and apply, in order.
 *   <li>{@link dev.raftkv.raft.Message}: every message between members.
 *   <li>{@link dev.raftkv.raft.Storage} (read side) and {@link dev.raftkv.raft.LogStore} (write
 *       side) of a node's log, with {@link dev.raftkv.raft.MemoryStorage} for tests and the
 *       simulator, and {@link dev.raftkv.raft.Bootstrap} for a new cluster's first entries.
 *   <li>Values: entries, hard state, snapshots, memberships ({@link dev.raftkv.raft.ConfState},
 *       {@link dev.raftkv.raft.ConfChange}) and {@link dev.raftkv.raft.Status} for observers.
 *   <li>{@link dev.raftkv.raft.Describe}: how a message, an entry or a status prints on one line
 *       (traces, failure logs, scenario scripts).
 * </ul>
 *
 * <p>Inside, {@code RaftNode} keeps the node's own state (term, vote, role, membership, clocks),
 * elections, role transitions and the Ready bookkeeping, and hands each side of the protocol to a
 * package-private part that reads the node's shared fields directly:
 *
 * <ul>
 *   <li>{@code Leader}: exists only while the node leads, for one term; the followers' {@code
 *       Progress}, appends, heartbeats, commit, linearizable reads and the lease ({@code
 *       ReadOnly}), CheckQuorum, leadership transfer, and the leader's side of membership changes.
 *   <li>{@code SnapshotSender}: the leader's chunked, windowed snapshot transfer to a follower
 *       whose next entry is compacted away; its state lives in that follower's {@code Progress}.
 *   <li>{@code Follower}: the follower's side of replication (appends, heartbeats, snapshot chunks
 *       through {@code SnapshotReceiver}); lives as long as the node.
 *   <li>{@code Outbox}: the messages and read answers waiting for the next Ready; decides which
 *       messages must wait for the persist.
 * </ul>
 *
 * <p>Below those: {@code RaftLog} (storage plus the {@code Unstable} tail, commit and applied
 * indexes), {@code Inflights} (per-follower flow control) and {@code Quorum} (majority arithmetic).
 * See {@code docs/raft-core.md} for the decisions.
 */
package dev.raftkv.raft;

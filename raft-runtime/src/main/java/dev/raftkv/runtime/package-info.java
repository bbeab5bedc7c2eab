/**
 * The node loop: what turns the pure {@link dev.raftkv.raft.RaftNode} into a running member.
 *
 * <ul>
 *   <li>{@link dev.raftkv.runtime.NodeDriver}: carries out each {@code Ready} in etcd's order
 *       (committed entries to the apply thread first, then messages, the write and its one fsync,
 *       then the messages that promise it), batches the proposals of a turn, and completes every
 *       request's future from where it happens: a proposal with its {@link
 *       dev.raftkv.runtime.Applied apply result}, a read barrier once applied, a membership change
 *       once applied, a leadership transfer once the target leads. Single-threaded logic; the
 *       simulator drives the same class on virtual time.
 *   <li>{@link dev.raftkv.runtime.RaftRuntime}: runs a {@code NodeDriver} on real threads (node
 *       loop, apply thread, snapshot thread) with a {@link dev.raftkv.runtime.Ticker}.
 *   <li>{@link dev.raftkv.runtime.StateMachine}: the application's side (apply a batch, capture and
 *       restore snapshots); {@code SnapshotSending} and {@link dev.raftkv.runtime.SnapshotSource}
 *       stream a snapshot kept by reference to a follower in chunks.
 * </ul>
 *
 * <p>This package depends on {@code raft-core} only (the build enforces it): storage and the
 * transport are handed in as a {@link dev.raftkv.raft.LogStore} and a message consumer.
 */
package dev.raftkv.runtime;

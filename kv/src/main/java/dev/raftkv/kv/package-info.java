/**
 * The KV state machine: etcd's MVCC data model on RocksDB ({@code docs/kv.md}).
 *
 * <ul>
 *   <li>{@link dev.raftkv.kv.KvStateMachine}: the runtime's {@link dev.raftkv.runtime.StateMachine}
 *       over a {@link dev.raftkv.kv.KvStore}; decodes log entries ({@link
 *       dev.raftkv.kv.KvCommands}) and tells an apply listener (the watch hub) what changed.
 *   <li>{@link dev.raftkv.kv.KvStore}: the store's lifetime, locking and durability; applies a
 *       batch of entries as one RocksDB write batch ({@code Applier}, {@code ApplyBatches}) with
 *       the applied index in it; ranges at the current revision from the in-memory key index
 *       ({@code KeyIndex}), past revisions from the history ({@code MvccView}, {@code Ranges});
 *       history reads for watchers ({@code HistoryReads}); checksums ({@code Hashes}); compaction
 *       in the background ({@code Compactor}); checkpoints as snapshots ({@code CheckpointSource},
 *       {@code CheckpointSink}).
 *   <li>{@link dev.raftkv.kv.WatchHub}: the watch registry (watchers, catch-up from the history,
 *       bounded queues, progress notifications), handing {@link dev.raftkv.kv.WatchReply}s to each
 *       stream's sink; {@link dev.raftkv.kv.LeaseExpiry}: lease deadlines on the leader and revokes
 *       through the log, on an injected clock.
 *   <li>The request and response records ({@link dev.raftkv.kv.Put}, {@link dev.raftkv.kv.Range},
 *       {@link dev.raftkv.kv.Txn}, ...), errors as {@link dev.raftkv.kv.KvException} with etcd's
 *       codes, members ({@link dev.raftkv.kv.Member}) and leases ({@link dev.raftkv.kv.Lease}).
 * </ul>
 *
 * <p>The byte layouts ({@code Codec}) and stored commands are held to golden files. No Netty, gRPC
 * or log storage here (the build enforces it).
 */
package dev.raftkv.kv;

package dev.raftkv.runtime;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.SnapshotSink;
import java.util.List;

/**
 * The application a {@link RaftRuntime} replicates. Called from one thread only (the apply thread),
 * in log order.
 */
public interface StateMachine {

  /**
   * Applies committed entries, in order, each exactly once per incarnation. Their data is the
   * payload the proposer passed to {@link RaftRuntime#propose}; empty entries (a new leader's
   * no-op) and membership changes come too, so the state machine can track the applied index. When
   * this returns, the entries count as applied; a state machine that persists itself should store
   * the applied index with the data, atomically.
   *
   * @return one result per entry, in order (an element may be null): the member that proposed an
   *     entry completes the proposal's future with it ({@link Applied#result()}); nothing is kept
   *     for the entries of other members
   */
  List<?> apply(List<Entry> entries);

  /** The index of the last entry applied (0 for none). */
  long appliedIndex();

  /** Serializes the state as of {@link #appliedIndex()}. */
  byte[] snapshot();

  /**
   * Captures the state as of {@link #appliedIndex()} now and returns what serializes it later,
   * possibly on another thread while this machine goes on applying: a machine whose state can be
   * frozen cheaply (a RocksDB checkpoint: a flush and hard links) overrides this so the apply
   * thread does not wait for the bytes. The supplier is called once. The default serializes now.
   */
  default java.util.function.Supplier<byte[]> captureSnapshot() {
    byte[] data = snapshot();
    return () -> data;
  }

  /**
   * A hint, on the apply thread, that {@link #captureSnapshot} will be called soon: the runtime
   * gives it a tenth of the snapshot interval ahead. A machine whose capture must first write out
   * buffered state (a RocksDB flush, which the apply thread would otherwise wait for whole) starts
   * that now in the background, so that little is left to write at the capture. Must not block.
   * Default: nothing.
   */
  default void prepareSnapshot() {}

  /**
   * The runtime's log store now holds the snapshot at {@code index} (or a newer one) and will never
   * again name an older one: a machine that keeps checkpoints for its snapshot references may
   * delete those older than {@code index}. Called on the snapshot thread (one call at a time, in
   * order, after whatever bytes the runtime asked for an older snapshot were made), possibly while
   * the apply thread captures a newer snapshot. Default: nothing.
   */
  default void snapshotInstalled(long index) {}

  /**
   * Whether snapshot data made by {@link #captureSnapshot} is only a reference to a state this
   * machine keeps itself (a checkpoint on disk) rather than the state's bytes. The runtime then
   * stores the reference, and asks {@link #snapshotSource} for the bytes only when a follower needs
   * them. Default: false.
   */
  default boolean isSnapshotReference(byte[] data) {
    return false;
  }

  /**
   * The bytes of {@code snapshot} to send to a follower (what {@link #restore} on another member
   * takes), to be read a chunk at a time: its data, or for a reference the state it names, read
   * from where this machine keeps it without gathering it in memory. Called on the node loop when a
   * transfer of the runtime's current snapshot starts, so it must be quick (open files, not read
   * them); the source's reads happen there too, one chunk each. The source must stay readable until
   * closed, even once {@link #snapshotInstalled} deleted the checkpoint it reads (open files do).
   * Default: the data itself.
   *
   * @throws RuntimeException if the state the reference names is gone
   */
  default SnapshotSource snapshotSource(Snapshot snapshot) {
    return SnapshotSource.of(snapshot.data());
  }

  /**
   * Where a snapshot the leader sends goes as its chunks arrive (what {@link #snapshotSource} on
   * the leader gave). The data its {@link SnapshotSink#finish} returns is what the runtime stores
   * and hands to {@link #restore}: a machine that keeps its state in files unpacks the chunks into
   * a checkpoint as they come and returns a reference to it ({@link #isSnapshotReference}), which
   * must then be durable. Called on the node loop. Default: gathered in memory, the data being the
   * bytes.
   */
  default SnapshotSink snapshotSink(SnapshotMetadata metadata) {
    return SnapshotSink.inMemory();
  }

  /** Replaces the whole state by a snapshot's. */
  void restore(Snapshot snapshot);
}

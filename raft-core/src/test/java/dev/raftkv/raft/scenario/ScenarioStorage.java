package dev.raftkv.raft.scenario;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.LogStore;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.UnavailableException;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A node's {@link MemoryStorage} as a scenario hands it to the node, which can lose the bytes of
 * its older snapshots as a store that reads them from files does ({@code snapshot-bytes-gone}):
 * chunks of a snapshot older than the current one are then {@link UnavailableException}.
 */
final class ScenarioStorage implements LogStore {
  private final MemoryStorage store;
  private final BooleanSupplier olderBytesGone;

  ScenarioStorage(MemoryStorage store, BooleanSupplier olderBytesGone) {
    this.store = store;
    this.olderBytesGone = olderBytesGone;
  }

  @Override
  public byte[] snapshotChunk(Snapshot snapshot, long offset, int length) {
    long current = store.snapshot().metadata().index();
    if (olderBytesGone.getAsBoolean() && snapshot.metadata().index() < current) {
      throw new UnavailableException(
          "snapshot " + snapshot.metadata().index() + " is gone; the store holds " + current);
    }
    return store.snapshotChunk(snapshot, offset, length);
  }

  @Override
  public long snapshotSize(Snapshot snapshot) {
    return store.snapshotSize(snapshot);
  }

  @Override
  public void append(List<Entry> entries) {
    store.append(entries);
  }

  @Override
  public void setHardState(HardState hardState) {
    store.setHardState(hardState);
  }

  @Override
  public void syncNow() {
    store.syncNow();
  }

  @Override
  public void applySnapshot(Snapshot snapshot) {
    store.applySnapshot(snapshot);
  }

  @Override
  public void saveSnapshot(Snapshot snapshot) {
    store.saveSnapshot(snapshot);
  }

  @Override
  public void compact(long index) {
    store.compact(index);
  }

  @Override
  public InitialState initialState() {
    return store.initialState();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    return store.entries(lo, hi, maxBytes);
  }

  @Override
  public long term(long index) {
    return store.term(index);
  }

  @Override
  public long firstIndex() {
    return store.firstIndex();
  }

  @Override
  public long lastIndex() {
    return store.lastIndex();
  }

  @Override
  public Snapshot snapshot() {
    return store.snapshot();
  }
}

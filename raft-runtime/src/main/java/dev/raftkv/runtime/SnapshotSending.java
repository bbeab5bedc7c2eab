package dev.raftkv.runtime;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.SnapshotSink;
import dev.raftkv.raft.Storage;
import dev.raftkv.raft.Storage.InitialState;
import dev.raftkv.raft.UnavailableException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's read view of its log store (the writes go to the store itself), which reads a snapshot
 * the store holds only by reference ({@link StateMachine#isSnapshotReference}) a chunk at a time,
 * from the state machine's {@link SnapshotSource}, when a follower needs it: the leader never holds
 * a snapshot whole. It keeps the sources of the last {@link #KEPT} snapshots it sent open, so a
 * slow follower finishes the transfer it started even after newer snapshots were taken; a chunk of
 * an older one (its source closed) is {@link UnavailableException}, and the core starts that
 * follower over on the current snapshot. Everything else goes to the store as it is. Node loop
 * only.
 */
final class SnapshotSending implements Storage, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SnapshotSending.class.getName());

  /** How many snapshots' sources stay open at once. */
  static final int KEPT = 3;

  private final Storage store;
  private final StateMachine stateMachine;

  /** Open sources by snapshot index, least recently started first. */
  private final Map<Long, SnapshotSource> sources = new LinkedHashMap<>();

  SnapshotSending(Storage store, StateMachine stateMachine) {
    this.store = store;
    this.stateMachine = stateMachine;
  }

  @Override
  public Snapshot snapshot() {
    return store.snapshot();
  }

  /**
   * Opens (or finds open) the source of {@code snapshot}, the store's current one, closing the
   * least recently started source beyond {@link #KEPT}.
   *
   * @throws UnavailableException if the state machine cannot open it (logged; asked again later)
   */
  @Override
  public long snapshotSize(Snapshot snapshot) {
    if (!stateMachine.isSnapshotReference(snapshot.data())) {
      return snapshot.data().length;
    }
    long index = snapshot.metadata().index();
    SnapshotSource source = sources.remove(index);
    if (source == null) {
      try {
        source = stateMachine.snapshotSource(snapshot);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "opening snapshot " + index + " to send failed", e);
        throw new UnavailableException("snapshot " + index + " cannot be read: " + e);
      }
    }
    sources.put(index, source); // most recently started last
    while (sources.size() > KEPT) {
      Iterator<SnapshotSource> oldest = sources.values().iterator();
      oldest.next().close();
      oldest.remove();
    }
    return source.size();
  }

  @Override
  public byte[] snapshotChunk(Snapshot snapshot, long offset, int length) {
    if (!stateMachine.isSnapshotReference(snapshot.data())) {
      return Storage.super.snapshotChunk(snapshot, offset, length);
    }
    long index = snapshot.metadata().index();
    SnapshotSource source = sources.get(index);
    if (source == null) {
      throw new UnavailableException("snapshot " + index + " is no longer sent");
    }
    try {
      return source.read(offset, length);
    } catch (UncheckedIOException | IndexOutOfBoundsException e) {
      LOG.log(System.Logger.Level.WARNING, "reading snapshot " + index + " to send failed: " + e);
      sources.remove(index).close();
      throw new UnavailableException("snapshot " + index + " cannot be read: " + e);
    }
  }

  /**
   * The state machine's sink for a snapshot the leader sends ({@link StateMachine#snapshotSink}).
   */
  @Override
  public SnapshotSink snapshotSink(SnapshotMetadata metadata) {
    return stateMachine.snapshotSink(metadata);
  }

  /** Closes every open source. */
  @Override
  public void close() {
    sources.values().forEach(SnapshotSource::close);
    sources.clear();
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
}

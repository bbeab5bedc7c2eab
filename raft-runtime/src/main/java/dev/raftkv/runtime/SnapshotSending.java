package dev.raftkv.runtime;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.Storage;
import dev.raftkv.raft.Storage.InitialState;
import dev.raftkv.raft.UnavailableException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The node's read view of its log store (the writes go to the store itself), which turns a snapshot
 * the store holds only by reference ({@link StateMachine#isSnapshotReference}) into the bytes a
 * follower needs, when a follower needs them: {@link #snapshot()} starts making them on the
 * snapshot thread and answers {@link UnavailableException} (the core asks again later) until they
 * are ready. Everything else goes to the store as it is. Node loop only, except the work it hands
 * to {@code snapshotter}.
 */
final class SnapshotSending implements Storage {
  private static final System.Logger LOG = System.getLogger(SnapshotSending.class.getName());
  private final Storage store;
  private final StateMachine stateMachine;
  private final Executor snapshotter;
  private final Consumer<Runnable> onLoop;

  // Node loop only.
  private Snapshot materialized;
  private long materializing = -1;

  /**
   * @param onLoop runs a task on the node loop (the driver's mailbox)
   */
  SnapshotSending(
      Storage store, StateMachine stateMachine, Executor snapshotter, Consumer<Runnable> onLoop) {
    this.store = store;
    this.stateMachine = stateMachine;
    this.snapshotter = snapshotter;
    this.onLoop = onLoop;
  }

  @Override
  public Snapshot snapshot() {
    Snapshot s = store.snapshot();
    if (s.isEmpty() || !stateMachine.isSnapshotReference(s.data())) {
      return s;
    }
    long index = s.metadata().index();
    if (materialized != null && materialized.metadata().index() == index) {
      return materialized;
    }
    if (materializing != index) {
      materializing = index;
      snapshotter.execute(
          () -> {
            Snapshot full;
            try {
              full = new Snapshot(s.metadata(), stateMachine.snapshotBytes(s));
            } catch (RuntimeException e) {
              LOG.log(System.Logger.Level.ERROR, "preparing snapshot " + index + " failed", e);
              onLoop.accept(() -> materializing = -1); // asked again at the next send
              return;
            }
            onLoop.accept(
                () -> {
                  materialized = full;
                  materializing = -1;
                });
          });
    }
    throw new UnavailableException("snapshot " + index + " is being prepared for sending");
  }

  /** Forgets the bytes made for sending once the store holds a newer snapshot. */
  void forgetOlderThan(long index) {
    if (materialized != null && materialized.metadata().index() < index) {
      materialized = null;
    }
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

package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.LogStore;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * A simulated durable log for one incarnation of a member, with the contract of the write-ahead log
 * in {@code raft-storage} ({@code DiskStorage}): {@link #append} and {@link #setHardState} only
 * buffer (the read side shows them at once), {@link #syncNow()} makes the buffer durable, {@link
 * #applySnapshot}, {@link #saveSnapshot} and {@link #writeSnapshot} are durable when they return (a
 * snapshot written but not yet installed is found by the next incarnation, as the newest snapshot
 * file is).
 *
 * <p>Two logs are kept apart: the <em>visible</em> one the node reads (durable plus buffered) and
 * the <em>durable</em> one, which belongs to the member's disk and is all that survives a crash:
 * the next incarnation opens {@link #recover} of it. The buffer is a sequence of records in write
 * order (one per entry, one per hard state), as a WAL holds them.
 *
 * <p>One seeded fault: a crash in the middle of an fsync, either at random (the {@code
 * powerFailure} policy) or armed by {@link #tearNextSync} for the next sync. Only the first {@code
 * k} buffered records reach the disk (a torn tail: entries in order, the hard state perhaps not;
 * never a reordering), then the process is dead: the listener hears {@link
 * Listener#crashedInSync()}, and every later write is ignored. The driver sees the sync return; the
 * simulator must make sure nothing it does afterwards reaches the world (messages, applies), since
 * a real process would not have lived to do it.
 *
 * <p>Not thread-safe; the simulator is single-threaded.
 */
final class SimLogStore implements LogStore {

  /** What the simulator hears of the disk. */
  interface Listener {
    /** Entries became durable, in order; {@code durable} already holds them (for Log Matching). */
    void entriesDurable(MemoryStorage durable, List<Entry> written);

    /** A hard state became durable. */
    void hardStateDurable(HardState hardState);

    /** Entries were buffered (not durable yet). */
    void entriesBuffered(List<Entry> entries);

    /** A snapshot became durable: one received from the leader, or one the machine took. */
    void snapshotDurable(Snapshot snap, boolean fromLeader);

    /** The process died in the middle of a sync ({@link #tearNextSync}). */
    void crashedInSync();
  }

  /** One buffered write: entries or a hard state. */
  private record Pending(List<Entry> entries, HardState hardState) {}

  private final MemoryStorage durable;
  private final MemoryStorage visible;
  private final Listener listener;
  private final List<Pending> buffer = new ArrayList<>();
  private final IntSupplier powerFailure;

  /** Records of the next sync that reach the disk before the crash, or -1 for a normal sync. */
  private int tearAfter = -1;

  private boolean dead;
  private boolean lies;
  private long syncs;

  /**
   * Opens the store of an incarnation on the member's disk.
   *
   * @param durable the member's durable log, written by {@link #syncNow} and the snapshot calls
   *     (use {@link #recover} of the previous incarnation's after a crash)
   * @param powerFailure asked at every sync that has something to write: -1 for a normal sync, or
   *     how many records reach the disk before the process dies in it (seeded crashes)
   */
  SimLogStore(MemoryStorage durable, Listener listener, IntSupplier powerFailure) {
    this.durable = Objects.requireNonNull(durable, "durable");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.powerFailure = Objects.requireNonNull(powerFailure, "powerFailure");
    this.visible = copy(durable);
  }

  /**
   * What a restarting member finds on its disk, rebuilt as {@code DiskStorage.open} does: the
   * newest snapshot, the durable entries after it (if the log holds the snapshot's position with
   * its term; otherwise the log restarts at the snapshot), and the hard state, its commit raised to
   * the snapshot's index (a snapshot holds committed entries only).
   */
  static MemoryStorage recover(MemoryStorage disk) {
    return copy(disk);
  }

  private static MemoryStorage copy(MemoryStorage from) {
    Snapshot snap = from.snapshot();
    long base = from.firstIndex() - 1;
    HardState hs = from.hardState();
    MemoryStorage to;
    long after;
    if (snap.isEmpty()) {
      if (base > 0) {
        throw new IllegalStateException("a log compacted to " + base + " without a snapshot");
      }
      to = new MemoryStorage(from.initialState().conf());
      after = 0;
    } else {
      long si = snap.metadata().index();
      if (si < base) {
        throw new IllegalStateException(
            "the log starts after index " + base + " but the snapshot covers only " + si);
      }
      to = new MemoryStorage(snap.metadata().conf());
      to.applySnapshot(snap);
      boolean logHoldsIt = si <= from.lastIndex() && from.term(si) == snap.metadata().term();
      after = logHoldsIt ? si : from.lastIndex();
      if (hs.commit() < si) {
        hs = new HardState(hs.term(), hs.vote(), si);
      }
    }
    if (from.lastIndex() > after) {
      to.append(from.entries(after + 1, from.lastIndex() + 1, Long.MAX_VALUE));
    }
    to.setHardState(hs);
    return to;
  }

  /**
   * Makes the next {@link #syncNow} (also the one inside {@link #applySnapshot}) a crash that keeps
   * only the first {@code keep} buffered records (clamped to what is buffered).
   */
  void tearNextSync(int keep) {
    tearAfter = Math.max(0, keep);
  }

  /**
   * Makes this a broken disk whose fsync returns without writing anything (a write cache that
   * lies), for the test that shows the simulator's checks catch what follows.
   */
  void lieAboutSyncs() {
    lies = true;
  }

  /** Cancels a crash armed by {@link #tearNextSync} that has not happened yet. */
  void cancelTear() {
    if (!dead) {
      tearAfter = -1;
    }
  }

  /** Whether the process died in a sync. */
  boolean dead() {
    return dead;
  }

  /** Syncs that wrote something, for tests and counters. */
  long syncs() {
    return syncs;
  }

  /** Records buffered and not yet durable. */
  int buffered() {
    return buffer.size();
  }

  // ---------------------------------------------------------------------------------------------
  // Read side: the visible log.

  @Override
  public InitialState initialState() {
    return visible.initialState();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    return visible.entries(lo, hi, maxBytes);
  }

  @Override
  public long term(long index) {
    return visible.term(index);
  }

  @Override
  public long firstIndex() {
    return visible.firstIndex();
  }

  @Override
  public long lastIndex() {
    return visible.lastIndex();
  }

  @Override
  public Snapshot snapshot() {
    return visible.snapshot();
  }

  // ---------------------------------------------------------------------------------------------
  // Write side.

  @Override
  public void append(List<Entry> entries) {
    if (dead || entries.isEmpty()) {
      return;
    }
    visible.append(entries);
    buffer.add(new Pending(List.copyOf(entries), null));
    listener.entriesBuffered(entries);
  }

  @Override
  public void setHardState(HardState hardState) {
    if (dead) {
      return;
    }
    visible.setHardState(hardState);
    buffer.add(new Pending(List.of(), hardState));
  }

  @Override
  public void syncNow() {
    if (dead || buffer.isEmpty()) {
      return;
    }
    if (lies) {
      buffer.clear();
      syncs++;
      return;
    }
    List<Pending> records = explode();
    if (tearAfter < 0) {
      tearAfter = powerFailure.getAsInt();
    }
    int keep = tearAfter < 0 ? records.size() : Math.min(tearAfter, records.size());
    for (Pending p : records.subList(0, keep)) {
      if (p.hardState() != null) {
        durable.setHardState(p.hardState());
        listener.hardStateDurable(p.hardState());
      } else {
        durable.append(p.entries());
        listener.entriesDurable(durable, p.entries());
      }
    }
    buffer.clear();
    syncs++;
    if (tearAfter >= 0) {
      dead = true;
      listener.crashedInSync();
    }
  }

  /** The buffer as single-entry and hard-state records, in write order. */
  private List<Pending> explode() {
    List<Pending> out = new ArrayList<>();
    for (Pending p : buffer) {
      if (p.hardState() != null) {
        out.add(p);
      } else {
        for (Entry e : p.entries()) {
          out.add(new Pending(List.of(e), null));
        }
      }
    }
    return out;
  }

  /**
   * Like {@code DiskStorage}: what was buffered before is synced first (so a newer term cannot end
   * up older than the snapshot after a crash), then the snapshot replaces the log and raises the
   * commit index, durably.
   */
  @Override
  public void applySnapshot(Snapshot snap) {
    syncNow();
    if (dead || snap.metadata().index() <= durable.snapshot().metadata().index()) {
      return;
    }
    long si = snap.metadata().index();
    for (MemoryStorage s : List.of(durable, visible)) {
      s.applySnapshot(snap);
      HardState hs = s.hardState();
      if (hs.commit() < si) {
        s.setHardState(new HardState(hs.term(), hs.vote(), si));
      }
    }
    listener.snapshotDurable(snap, true);
    listener.hardStateDurable(durable.hardState());
  }

  /** {@link #writeSnapshot} and {@link #installSnapshot} in one. */
  @Override
  public void saveSnapshot(Snapshot snap) {
    writeSnapshot(snap);
    installSnapshot(snap);
  }

  /**
   * Makes the snapshot durable: from now on a restart finds it (the newest snapshot file is loaded,
   * installed or not). On the snapshot thread, between the node loop's calls.
   */
  @Override
  public void writeSnapshot(Snapshot snap) {
    if (dead || snap.metadata().index() <= durable.snapshot().metadata().index()) {
      return;
    }
    durable.setSnapshot(snap);
    listener.snapshotDurable(snap, false);
  }

  /** Makes a snapshot written before the store's snapshot, if it is newer. */
  @Override
  public void installSnapshot(Snapshot snap) {
    if (!dead) {
      visible.setSnapshot(snap);
    }
  }

  /**
   * Compacts the visible log; on disk (as {@code DiskStorage} deletes segments) never past the
   * installed snapshot or the durable last index.
   */
  @Override
  public void compact(long index) {
    if (dead) {
      return;
    }
    visible.compact(index);
    long onDisk =
        Math.min(index, Math.min(durable.snapshot().metadata().index(), durable.lastIndex()));
    durable.compact(onDisk);
  }
}

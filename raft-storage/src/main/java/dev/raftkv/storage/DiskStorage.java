package dev.raftkv.storage;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.LogStore;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A node's durable {@link Storage}: a segmented write-ahead log ({@code wal/}), snapshot files
 * ({@code snap/}) and a {@code member} file in one data dir, with every live entry also held in
 * memory so reads never touch the disk. See {@code docs/storage.md} for the format and recovery
 * rules.
 *
 * <p><b>Buffered versus durable.</b> {@link #append}, {@link #setHardState} and {@link #setConf}
 * only queue records and update the in-memory view (which the read side reports at once, like
 * {@link MemoryStorage} after {@code append}); nothing is durable until a future from {@link
 * #sync()} (or {@link #persist}) completes or {@link #syncNow()} returns. The future is completed
 * after the fdatasync covering every record queued before the call has returned (group commit: one
 * writer at a time drains everything queued, writes it with one gathering write and issues one
 * fdatasync). The runtime must therefore send {@code Ready.messagesAfterPersist()} and call {@code
 * RaftNode.advance} only after that.
 *
 * <p><b>Threads.</b> All methods are called from one owner thread (the one driving the {@code
 * RaftNode}); the futures complete on the WAL writer thread, or on the owner thread inside {@link
 * #syncNow()}.
 *
 * <p><b>Failure.</b> Storage is fail-stop: a failed write or fsync (including a full disk) fails
 * every pending future and makes every later call throw {@link StorageFailedException} naming the
 * original error; a failed fsync is never retried. {@link #open} refuses a damaged data dir with
 * {@link StorageCorruptedException}.
 */
public final class DiskStorage implements LogStore, AutoCloseable {
  private static final String WAL_DIR = "wal";
  private static final String SNAP_DIR = "snap";

  private final Wal wal;
  private final SnapshotStore snapshots;
  private MemoryStorage mem;
  private Snapshot snapshot;
  private ConfState conf;

  private DiskStorage(Wal wal, SnapshotStore snapshots, MemoryStorage mem, Snapshot snap) {
    this.wal = wal;
    this.snapshots = snapshots;
    this.mem = mem;
    this.snapshot = snap;
    this.conf = mem.initialState().conf();
  }

  /**
   * The cluster and member a data dir belongs to, from its {@code member} file, without opening it:
   * a member restarting into a cluster it joined cannot compute them from its flags.
   *
   * @return the ids, or empty if the dir holds no member file (a new member)
   * @throws StorageCorruptedException if the member file is unreadable
   */
  public static java.util.Optional<StoredIdentity> storedIdentity(
      Path dir, StorageOptions options) {
    try {
      return java.util.Optional.ofNullable(MemberFile.read(options.fileIo(), dir));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the member file in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens (creating if needed) the data dir {@code dir} and recovers it: the newest snapshot, then
   * every WAL record. A torn tail of the last segment is truncated with a warning. Blocks on file
   * I/O.
   *
   * @param clusterId the cluster this node belongs to; a dir of another cluster is refused
   * @param memberId this node's id
   * @param bootstrapConf the membership reported when the dir holds none yet
   * @throws StorageCorruptedException if the dir is damaged (bad record before the tail, missing
   *     segment, unreadable snapshot) or belongs to another cluster or member
   * @throws UncheckedIOException if the files cannot be read
   */
  public static DiskStorage open(
      Path dir, StorageOptions options, long clusterId, long memberId, ConfState bootstrapConf) {
    Objects.requireNonNull(bootstrapConf, "bootstrapConf");
    FileIo io = options.fileIo();
    try {
      io.createDirectories(dir.resolve(WAL_DIR));
      io.createDirectories(dir.resolve(SNAP_DIR));
      io.fsyncDir(dir);
      MemberFile.checkOrCreate(io, dir, clusterId, memberId);
      SnapshotStore snapshots = new SnapshotStore(dir.resolve(SNAP_DIR), io);
      Snapshot snap = snapshots.loadLatest();
      Replayer r = new Replayer(snap.isEmpty() ? bootstrapConf : snap.metadata().conf());
      Wal wal = Wal.recover(dir.resolve(WAL_DIR), options, r);
      r.reconcile(snap, wal.segments());
      wal.start(
          WalRecord.hardState(r.hardState),
          WalRecord.conf(r.mem.initialState().conf()),
          r.mem.lastIndex());
      r.mem.setHardState(r.hardState);
      if (r.resetToSnapshot) {
        // The snapshot from a leader is durable but its SNAPSHOT record is not: write it now, or
        // entries appended after the snapshot would follow the old log with a gap at replay.
        SnapshotMetadata md = snap.metadata();
        wal.enqueue(
            List.of(
                WalRecord.snapshotMark(md.index(), md.term()),
                WalRecord.conf(md.conf()),
                WalRecord.hardState(r.hardState)));
        wal.syncNow();
      }
      return new DiskStorage(wal, snapshots, r.mem, snap);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open data dir " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Rebuilds the in-memory log from WAL records, with the same append rules as at run time. */
  private static final class Replayer implements Wal.Replay {
    ConfState conf;
    MemoryStorage mem;
    HardState hardState = HardState.EMPTY;
    boolean sawEntry;
    boolean resetToSnapshot;
    boolean baseTermUnknown;

    Replayer(ConfState conf) {
      this.conf = conf;
      this.mem = new MemoryStorage(conf);
    }

    @Override
    public void record(byte type, ByteBuffer p, Path file, long offset) {
      try {
        switch (type) {
          case WalRecord.ENTRY -> entry(WalRecord.decodeEntry(p), file, offset);
          case WalRecord.HARD_STATE -> hardState = WalRecord.decodeHardState(p);
          case WalRecord.CONF -> {
            conf = WalRecord.decodeConf(p);
            mem.setConf(conf);
          }
          case WalRecord.SNAPSHOT -> {
            mem = reset(p.getLong(), p.getLong());
            baseTermUnknown = false;
          }
          default -> throw new IllegalArgumentException("unknown record type " + type);
        }
      } catch (StorageCorruptedException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new StorageCorruptedException(
            "WAL segment " + file + " has an undecodable record at offset " + offset + ": " + e);
      }
    }

    private void entry(Entry e, Path file, long offset) {
      if (!sawEntry && mem.lastIndex() == 0 && e.index() > 1) {
        // The first segments were deleted by compaction; the snapshot must cover what is missing.
        mem = reset(e.index() - 1, 0);
        baseTermUnknown = true;
      } else if (e.index() > mem.lastIndex() + 1) {
        throw new StorageCorruptedException(
            "WAL segment "
                + file
                + " is corrupt at offset "
                + offset
                + ": entry index "
                + e.index()
                + " leaves a gap after last index "
                + mem.lastIndex());
      } else if (e.index() < mem.firstIndex()) {
        mem = reset(e.index() - 1, 0);
        baseTermUnknown = true;
      }
      sawEntry = true;
      mem.append(List.of(e));
    }

    private MemoryStorage reset(long index, long term) {
      MemoryStorage m = new MemoryStorage(conf);
      if (index > 0) {
        m.applySnapshot(new Snapshot(new SnapshotMetadata(index, term, conf), null));
      }
      return m;
    }

    /** Makes the recovered log consistent with the newest snapshot. */
    void reconcile(Snapshot snap, List<Wal.Segment> segments) {
      long base = mem.firstIndex() - 1;
      long si = snap.metadata().index();
      if (base > si) {
        throw new StorageCorruptedException(
            "missing WAL segment: the log in "
                + (segments.isEmpty() ? "wal/" : segments.get(0).path().toString())
                + " (offset 0) starts after index "
                + base
                + " but the newest snapshot covers only up to index "
                + si);
      }
      if (snap.isEmpty()) {
        return;
      }
      if (hardState.commit() < si) {
        // A snapshot holds committed entries only (its hard state may not have reached the disk).
        hardState = new HardState(hardState.term(), hardState.vote(), si);
      }
      long st = snap.metadata().term();
      // When segments were deleted, the term of the entry before the first one left is unknown
      // (replayed as 0); the snapshot at exactly that index supplies it.
      boolean termUnknown = si == base && baseTermUnknown;
      // Either way the log is rebased at the snapshot, so the membership as of its first index
      // minus one is the snapshot's. The CONF records replayed after the snapshot was loaded are
      // not newer: segment heads repeat the membership the storage was opened or last reset with
      // (for a server, the empty bootstrap one, its founders being conf-change entries in the log),
      // and a snapshot the node took itself writes none.
      conf = snap.metadata().conf();
      if (si > mem.lastIndex() || (!termUnknown && mem.term(si) != st)) {
        resetToSnapshot = true;
        mem = reset(si, st);
      } else {
        List<Entry> rest =
            si < mem.lastIndex()
                ? mem.entries(si + 1, mem.lastIndex() + 1, Long.MAX_VALUE)
                : List.of();
        mem = reset(si, st);
        mem.append(rest);
      }
      mem.setSnapshot(snap);
    }
  }

  @Override
  public InitialState initialState() {
    wal.checkNotFailed();
    return new InitialState(mem.hardState(), conf);
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    wal.checkNotFailed();
    return mem.entries(lo, hi, maxBytes);
  }

  @Override
  public long term(long index) {
    wal.checkNotFailed();
    return mem.term(index);
  }

  @Override
  public long firstIndex() {
    wal.checkNotFailed();
    return mem.firstIndex();
  }

  @Override
  public long lastIndex() {
    wal.checkNotFailed();
    return mem.lastIndex();
  }

  @Override
  public Snapshot snapshot() {
    wal.checkNotFailed();
    return snapshot;
  }

  /**
   * Appends entries, first truncating any existing entries at or after the first new index (a
   * follower overwriting a conflicting suffix), exactly like {@link MemoryStorage#append}.
   * Buffered: visible to reads at once, durable only once a later {@link #sync()} completes. Never
   * blocks on I/O.
   *
   * @throws IllegalArgumentException if the entries would leave a gap after the last index
   * @throws StorageFailedException if the storage has failed
   */
  @Override
  public void append(List<Entry> entries) {
    wal.checkNotFailed();
    if (entries.isEmpty()) {
      return;
    }
    long first = mem.firstIndex();
    mem.append(entries);
    List<ByteBuffer> recs = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      if (e.index() >= first) {
        recs.add(WalRecord.entry(e));
      }
    }
    if (!recs.isEmpty()) {
      wal.enqueue(recs);
    }
  }

  /** Replaces the hard state. Buffered like {@link #append}. */
  @Override
  public void setHardState(HardState hardState) {
    wal.checkNotFailed();
    mem.setHardState(Objects.requireNonNull(hardState, "hardState"));
    wal.enqueue(List.of(WalRecord.hardState(hardState)));
  }

  /** Replaces the membership reported by {@link #initialState()}. Buffered like {@link #append}. */
  public void setConf(ConfState conf) {
    wal.checkNotFailed();
    this.conf = Objects.requireNonNull(conf, "conf");
    mem.setConf(conf);
    wal.enqueue(List.of(WalRecord.conf(conf)));
  }

  /**
   * A future completed once everything appended or set before this call is durable (after the
   * writer's fdatasync has returned), or completed exceptionally with {@link
   * StorageFailedException}. Never blocks.
   */
  public CompletableFuture<Void> sync() {
    return wal.sync();
  }

  /**
   * Makes everything appended or set before this call durable and returns once it is: the calling
   * thread does the group commit itself (one gathering write, one fdatasync, completing any other
   * waiters it covers) unless a write is already in progress, which it then waits for. Saves the
   * two thread hand-offs of {@code sync().join()}; use it where the caller would block anyway.
   *
   * @throws StorageFailedException if the storage has failed or the write or fdatasync fails
   */
  @Override
  public void syncNow() {
    wal.syncNow();
  }

  /**
   * What the runtime does with a {@code Ready}: {@link #append} the entries, {@link #setHardState}
   * if {@code hardState} is not null, then {@link #sync()}.
   */
  public CompletableFuture<Void> persist(List<Entry> entries, HardState hardState) {
    append(entries);
    if (hardState != null) {
      setHardState(hardState);
    }
    return sync();
  }

  /**
   * Durably stores a snapshot taken by this node's state machine (the log is not touched; call
   * {@link #compact} next). Blocks until the snapshot file and its directory are fsynced; keeps the
   * newest {@value SnapshotStore#KEEP} snapshot files.
   *
   * @throws StorageFailedException if writing fails (the storage is then permanently failed)
   */
  @Override
  public void saveSnapshot(Snapshot snap) {
    if (snap.metadata().index() <= snapshot.metadata().index()) {
      return;
    }
    writeSnapshot(snap);
    installSnapshot(snap);
  }

  /**
   * Writes the snapshot file (under a temporary name, fsynced, renamed, directory fsynced); safe
   * from a thread other than the node loop's. A failure fails the whole storage.
   */
  @Override
  public void writeSnapshot(Snapshot snap) {
    wal.checkNotFailed();
    try {
      snapshots.save(snap);
    } catch (IOException e) {
      throw wal.fail(new IOException("cannot write snapshot " + snap.metadata() + ": " + e, e));
    }
  }

  /** Makes a snapshot written by {@link #writeSnapshot} the current one, if it is newer. */
  @Override
  public void installSnapshot(Snapshot snap) {
    wal.checkNotFailed();
    if (snap.metadata().index() <= snapshot.metadata().index()) {
      return;
    }
    snapshot = snap;
    mem.setSnapshot(snap);
  }

  /**
   * Discards entries up to and including {@code index} from memory (like {@link
   * MemoryStorage#compact}) and deletes the WAL segments that hold only entries at or below {@code
   * min(index, snapshot index)}: the log on disk is never cut past the newest durable snapshot.
   * Blocks on the deletes and one directory fsync.
   *
   * @throws IllegalArgumentException if {@code index} is beyond the last index
   */
  @Override
  public void compact(long index) {
    wal.checkNotFailed();
    mem.compact(index);
    wal.deleteSegmentsUpTo(Math.min(index, snapshot.metadata().index()));
  }

  /**
   * Replaces the whole log by a snapshot received from the leader (like {@link
   * MemoryStorage#applySnapshot}); older or equal snapshots are ignored. The commit index is raised
   * to the snapshot's index if it is lower. Blocks until everything buffered before, then the
   * snapshot file, then the log reset are durable, in that order.
   *
   * @throws StorageFailedException if writing fails (the storage is then permanently failed)
   */
  @Override
  public void applySnapshot(Snapshot snap) {
    wal.checkNotFailed();
    SnapshotMetadata md = snap.metadata();
    if (md.index() <= snapshot.metadata().index()) {
      return;
    }
    // Keep the order on disk: what was buffered before (a newer term, say) must not end up older
    // than the snapshot after a crash.
    syncNow();
    try {
      snapshots.save(snap);
    } catch (IOException e) {
      throw wal.fail(new IOException("cannot write snapshot " + snap.metadata() + ": " + e, e));
    }
    snapshot = snap;
    HardState hs = mem.hardState();
    if (hs.commit() < md.index()) {
      hs =
          new HardState(
              hs.term(), hs.vote(), md.index()); // a snapshot holds committed entries only
    }
    mem.applySnapshot(snap);
    mem.setHardState(hs);
    conf = md.conf();
    wal.enqueue(
        List.of(
            WalRecord.snapshotMark(md.index(), md.term()),
            WalRecord.conf(md.conf()),
            WalRecord.hardState(hs)));
    syncNow();
    wal.deleteSegmentsUpTo(md.index());
  }

  /**
   * Makes everything queued durable, stops the writer and closes the files. Blocks until done.
   *
   * @throws StorageFailedException if the storage had failed
   */
  @Override
  public void close() {
    try {
      wal.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

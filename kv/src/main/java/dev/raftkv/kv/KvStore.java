package dev.raftkv.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * The KV state machine: etcd's MVCC data model persisted in RocksDB.
 *
 * <p>The store has a global revision (1 when empty, as etcd). Every write request that changes
 * something gets the next revision; a txn is one revision whose writes get sub revisions; a request
 * that changes nothing (a delete of absent keys, a txn that only reads) does not bump it. History
 * is kept per revision so reads at a past revision work until it is compacted.
 *
 * <p>Threading: {@link #apply}, {@link #applyAll} and {@link #replaceWith} must be called by one
 * thread at a time (the apply thread). The reads ({@link #range}, {@link #changes}, {@link
 * #members}, {@link #leases}, {@link #hashKV}, {@link #hash}, ...), {@link #checkpoint}, {@link
 * #sync} and the sizes may run on any thread concurrently with it; each read works on a RocksDB
 * snapshot and sees the state after some whole apply call.
 *
 * <p>Lifetime: one {@code KvStore} object stands for the store for its whole life, even when {@link
 * #replaceWith} swaps the RocksDB instance under it, so a caller may keep the reference. Every
 * method that touches RocksDB holds a shared lock for its whole run (its RocksDB snapshot and
 * iterators included); {@link #replaceWith} and {@link #close} hold it exclusively while they close
 * RocksDB. So a RocksDB handle is never used after it was closed (which can crash the JVM
 * natively): a call that arrives during {@link #replaceWith} waits for it and then sees the new
 * state; {@link #replaceWith} and {@link #close} wait for the calls under way to finish. After
 * {@link #close} (or a failed {@link #replaceWith}) every such method throws {@link
 * IllegalStateException}; {@link #appliedIndex}, {@link #revision} and {@link #compactedRevision}
 * never block nor throw, they keep the last values.
 *
 * <p>Durability: the Raft log is the write-ahead log. Each apply call is one RocksDB write batch
 * with the applied index in it, written to the memtables with RocksDB's own WAL off; the column
 * families are flushed to disk together (atomic flush) when the memtables fill, on {@link #sync()},
 * on {@link #checkpoint} and on {@link #close}. After any crash the store holds exactly the state
 * after some whole {@code apply} call (never part of one), possibly older than the last one, and
 * the runtime replays the Raft log from {@link #appliedIndex()} + 1 (entries at or below it are
 * skipped, so nothing is applied twice). The runtime must not discard Raft log entries above the
 * applied index of a durable state: call {@link #sync()} (or take a {@link #checkpoint}) first.
 */
public final class KvStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final KvOptions options;
  private final Path dir;

  /**
   * Shared by every use of the RocksDB fields below, for its whole run; exclusive to (re)open and
   * close them. Not fair, but a waiting writer stops new readers (ReentrantReadWriteLock's rule),
   * so a restore waits only for the reads under way.
   */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  // Guarded by lock: assigned under the write lock, used under the read lock. db is null while
  // closed, and then closedBecause says why.
  private DBOptions dbOptions;
  private ColumnFamilyOptions cfOptions;
  private WriteOptions writeOptions;
  private RocksDB db;
  private List<ColumnFamilyHandle> handles;
  private ColumnFamilyHandle kvCf;
  private ColumnFamilyHandle revCf;
  private ColumnFamilyHandle leaseCf;
  private ColumnFamilyHandle metaCf;
  private String closedBecause;

  /** The newest version of every present key; rebuilt at open, changed by the apply thread. */
  private final KeyIndex index;

  private final ApplyBatches batches = new ApplyBatches();

  /** The key index, for tests of this package. */
  KeyIndex keyIndex() {
    return index;
  }

  /**
   * Exclusive to an apply call for its whole run (it changes {@link #index} as it goes, before its
   * batch reaches RocksDB); shared by the reads of the current revision that use the index. Taken
   * after {@link #lock}, never before it.
   */
  private final ReentrantReadWriteLock indexLock = new ReentrantReadWriteLock();

  /** For tests: the lock apply calls hold exclusively while they change the key index. */
  ReentrantReadWriteLock indexLockForTest() {
    return indexLock;
  }

  // Written only by the apply thread, after the batch is in RocksDB; read by anyone.
  private volatile long appliedIndex;
  private volatile long revision;
  private volatile long compactedRevision;

  /** The auth state after the last apply call (replaced whole, never changed in place). */
  private volatile AuthState auth = AuthState.EMPTY;

  /** The raised alarms after the last apply call (replaced whole). */
  private volatile Alarms alarms = Alarms.EMPTY;

  /** {@link #dbSizeInUse()} for the space quota: measured at open and at most every 50 ms after. */
  private final QuotaSize quotaSize = new QuotaSize();

  /** Counts the databases opened (a restore opens another); lock held to change. */
  private long generation;

  private final Compactor compactor;

  private KvStore(Path dir, KvOptions options) {
    this.options = options;
    this.dir = dir;
    this.index = new KeyIndex(options.valueCacheBytes());
    this.compactor = new Compactor(new CompactorAccess(), "raftkv-compactor");
    Lock l = lock.writeLock();
    l.lock();
    try {
      openDb();
    } finally {
      l.unlock();
    }
  }

  /**
   * Opens RocksDB in {@link #dir}; on failure closes what it opened and throws. Write lock held.
   */
  private void openDb() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The Raft log is the write-ahead log: applied batches go to the memtables only (no RocksDB
    // WAL), and the column families are flushed together (atomic flush), so what survives a crash
    // is the state after some whole apply call, applied index included, and the runtime replays
    // the log from there. Snapshots (checkpoints) flush first, so the log is never compacted above
    // what is durable here.
    dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setAtomicFlush(true);
    // No compression: values are small and the apply and read paths are CPU-bound (as etcd's
    // bbolt, the tables hold the bytes as they are).
    cfOptions = new ColumnFamilyOptions().setCompressionType(CompressionType.NO_COMPRESSION);
    writeOptions = new WriteOptions().setDisableWAL(true);
    List<ColumnFamilyDescriptor> descriptors =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
            new ColumnFamilyDescriptor(Bytes.of("kv"), cfOptions),
            new ColumnFamilyDescriptor(Bytes.of("rev"), cfOptions),
            new ColumnFamilyDescriptor(Bytes.of("lease"), cfOptions),
            new ColumnFamilyDescriptor(Bytes.of("meta"), cfOptions));
    handles = new ArrayList<>();
    try {
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      kvCf = handles.get(1);
      revCf = handles.get(2);
      leaseCf = handles.get(3);
      metaCf = handles.get(4);
      long format = Codec.toLong(db.get(metaCf, Codec.META_FORMAT), -1);
      if (format == -1) {
        db.put(metaCf, Codec.META_FORMAT, Codec.longBytes(Codec.FORMAT_VERSION));
      } else if (format != Codec.FORMAT_VERSION) {
        throw new IllegalStateException(
            dir + " holds kv format " + format + ", this build reads " + Codec.FORMAT_VERSION);
      }
      appliedIndex = Codec.toLong(db.get(metaCf, Codec.META_APPLIED_INDEX), 0);
      revision = Codec.toLong(db.get(metaCf, Codec.META_REVISION), 1);
      compactedRevision = Codec.toLong(db.get(metaCf, Codec.META_COMPACTED), 0);
      compactor.opened(
          Codec.toLong(db.get(metaCf, Codec.META_COMPACTED_PHYSICALLY), compactedRevision));
      generation++;
      auth = AuthRecords.load(Source.of(db), metaCf);
      alarms = Alarms.load(Source.of(db), metaCf);
      try (RocksIterator it = db.newIterator(kvCf)) {
        index.rebuild(it);
      }
      closedBecause = null;
      quotaSize.measure(this::sizeInUseOpen);
      compactor.scheduleIfBehind(compactedRevision); // a crash or a checkpoint stopped it half way
    } catch (RocksDBException | RuntimeException e) {
      closeDb("closed");
      closedBecause = "closed: opening it failed: " + e;
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new KvStorageException("cannot open RocksDB at " + dir, e);
    }
  }

  /** Opens (creating if needed) the store in {@code dir}. */
  public static KvStore open(Path dir) {
    return new KvStore(dir, KvOptions.DEFAULTS);
  }

  /** Opens (creating if needed) the store in {@code dir} with {@code options}. */
  public static KvStore open(Path dir, KvOptions options) {
    return new KvStore(dir, options);
  }

  /**
   * Copies the checkpoint in {@code checkpointDir} into {@code dataDir} (which must be absent or
   * empty) and opens it. The checkpoint is left as it was.
   */
  public static KvStore restore(Path checkpointDir, Path dataDir) {
    return restore(checkpointDir, dataDir, KvOptions.DEFAULTS);
  }

  /** {@link #restore(Path, Path)} with {@code options}. */
  public static KvStore restore(Path checkpointDir, Path dataDir, KvOptions options) {
    Dirs.copyCheckpoint(checkpointDir, dataDir);
    return open(dataDir, options);
  }

  /**
   * Replaces the whole state (history, leases, members, applied index) with the checkpoint in
   * {@code checkpointDir}, which is left as it was: this object then stands for the restored store.
   * Waits until the calls under way on other threads are done, closes RocksDB, replaces the store's
   * directory with a copy of the checkpoint and opens it; calls that arrive meanwhile wait and then
   * see the restored state. Apply thread only, and never from inside a read.
   *
   * @throws IllegalStateException when the store is closed
   * @throws KvStorageException or {@link UncheckedIOException} when the checkpoint cannot be copied
   *     or opened; the store is then closed (every later call throws {@link IllegalStateException}
   *     naming this failure) and the node must stop
   */
  public void replaceWith(Path checkpointDir) {
    Lock l = writeLock("replaceWith");
    try {
      checkOpen();
      closeDb("closed: restoring " + checkpointDir + " into " + dir + " failed");
      Dirs.deleteTree(dir);
      Dirs.copyCheckpoint(checkpointDir, dir);
      openDb();
    } finally {
      l.unlock();
    }
  }

  /**
   * Runs {@code body} on the open RocksDB, under the read lock (see the class comment).
   *
   * @throws IllegalStateException when the store is closed
   */
  private <T> T withDb(Supplier<T> body) {
    Lock l = lock.readLock();
    l.lock();
    try {
      checkOpen();
      return body.get();
    } finally {
      l.unlock();
    }
  }

  /** Runs {@code body} on a consistent {@link StoreRead}, under the read lock. */
  private <T> T read(Function<StoreRead, T> body) {
    return withDb(
        () -> {
          try (StoreRead read = new StoreRead(db, metaCf, kvCf)) {
            return body.apply(read);
          }
        });
  }

  /** Lock held (either way). */
  private void checkOpen() {
    if (db == null) {
      throw new IllegalStateException("the store in " + dir + " is " + closedBecause);
    }
  }

  /** The write lock, refused to a thread inside a read (it would wait for itself forever). */
  private Lock writeLock(String what) {
    if (lock.getReadHoldCount() > 0) {
      throw new IllegalStateException(what + " called from inside a read of the store");
    }
    Lock l = lock.writeLock();
    l.lock();
    return l;
  }

  /** The Raft index of the last applied entry (0 when none). */
  public long appliedIndex() {
    return appliedIndex;
  }

  /** The current store revision (1 when empty). */
  public long revision() {
    return revision;
  }

  /**
   * The replicated auth state (users, roles, enabled, auth revision) after the last applied entry;
   * never blocks. Immutable: keep it for one decision, ask again for the next.
   */
  public AuthState auth() {
    return auth;
  }

  /**
   * The raised alarms (etcd's alarm store) after the last applied entry, ordered by type code then
   * member id; never blocks.
   */
  public List<AlarmMember> alarms() {
    return alarms.all();
  }

  /** Whether a NOSPACE alarm is raised, so writes are refused; never blocks. */
  public boolean noSpaceAlarm() {
    return alarms.noSpace();
  }

  /**
   * The store's size for the space quota: {@link #dbSizeInUse()} (live table data plus memtables)
   * as measured at most 50 ms of applying ago; a volatile read, cheap enough for every request.
   */
  public long quotaSize() {
    return quotaSize.get();
  }

  /** The revision history was compacted at (0 when never). Reads below it fail. */
  public long compactedRevision() {
    return compactedRevision;
  }

  /**
   * Applies the ops of Raft entry {@code raftIndex} in order, each as its own request (each
   * changing write gets its own revision), and records {@code raftIndex} as applied, all in one
   * RocksDB write batch. A refused op changes nothing and does not stop the others. An index at or
   * below {@link #appliedIndex()} was applied before (log replay after a restart) and is skipped.
   *
   * @throws KvStorageException when RocksDB fails; nothing of this call is then visible in memory
   */
  public ApplyResult apply(long raftIndex, List<? extends Op> ops) {
    return applyAll(List.of(new Entry(raftIndex, ops))).get(0);
  }

  /** One committed Raft entry's worth of ops, for {@link #applyAll}. */
  public record Entry(long index, List<? extends Op> ops) {
    public Entry {
      ops = List.copyOf(ops);
    }
  }

  /**
   * Applies several committed entries (indexes increasing) as {@link #apply} would, one after the
   * other, but in ONE RocksDB write batch with the last index as the applied index: the group
   * commit of the apply path. Entries at or below {@link #appliedIndex()} are skipped.
   *
   * @return one result per entry, in order
   * @throws IllegalArgumentException when the indexes do not increase
   * @throws KvStorageException when RocksDB fails; nothing of this call is then visible in memory
   * @throws IllegalStateException when the store is closed
   */
  public List<ApplyResult> applyAll(List<Entry> entries) {
    return withDb(
        () -> {
          Lock l = indexLock.writeLock();
          l.lock();
          try {
            return applyAllOpen(entries);
          } finally {
            l.unlock();
          }
        });
  }

  private volatile ApplyTimings applyTimings = (n, a, c) -> {};

  /** Reports every applied batch's timings to {@code t} (on the apply thread; must be cheap). */
  public void observeApplies(ApplyTimings t) {
    applyTimings = java.util.Objects.requireNonNull(t, "t");
  }

  /** How many keys the store holds now (etcd's keys total); waits for an apply under way. */
  public long keyCount() {
    Lock l = indexLock.readLock();
    l.lock();
    try {
      return index.size();
    } finally {
      l.unlock();
    }
  }

  /** {@link #applyAll} with the read lock held and RocksDB open. */
  private List<ApplyResult> applyAllOpen(List<Entry> entries) {
    long started = System.nanoTime();
    long last = appliedIndex;
    long prev = Long.MIN_VALUE;
    for (Entry e : entries) {
      if (e.index() <= prev) {
        throw new IllegalArgumentException("entry indexes must increase: " + e.index());
      }
      prev = e.index();
      last = Math.max(last, e.index());
    }
    if (last == appliedIndex) {
      return entries.stream().map(e -> skipped()).toList();
    }
    try (WriteBatchWithIndex batch = batches.open(entries, index);
        ReadOptions ro = new ReadOptions()) {
      Source source =
          new Source() {
            @Override
            public RocksIterator iterator(ColumnFamilyHandle cf) {
              return batch.newIteratorWithBase(cf, db.newIterator(cf, ro));
            }

            @Override
            public byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
              return batch.getFromBatchAndDB(db, cf, ro, key);
            }
          };
      Applier applier =
          new Applier(
              batch,
              source,
              new Applier.Families(kvCf, revCf, leaseCf, metaCf),
              revision,
              compactedRevision,
              index,
              options,
              auth,
              alarms);
      List<ApplyResult> out = new ArrayList<>(entries.size());
      for (Entry e : entries) {
        if (e.index() <= appliedIndex) {
          out.add(skipped());
          continue;
        }
        applier.atIndex(e.index());
        int eventMark = applier.events().size();
        List<OpResult> results = new ArrayList<>(e.ops().size());
        for (Op op : e.ops()) {
          results.add(applier.execute(op));
        }
        List<Event> events = applier.events().subList(eventMark, applier.events().size());
        out.add(new ApplyResult(e.index(), applier.revision(), false, results, events));
      }
      batch.put(metaCf, Codec.META_APPLIED_INDEX, Codec.longBytes(last));
      batch.put(metaCf, Codec.META_REVISION, Codec.longBytes(applier.revision()));
      batch.put(metaCf, Codec.META_COMPACTED, Codec.longBytes(applier.compacted()));
      if (applier.compacted() > compactedRevision) {
        // Absent, the mark means "all done" (stores older than the compactor): record it with the
        // compaction, so a restart before the compactor's last slice resumes it. (Racing that
        // slice can only set it back, and deleting again is harmless.)
        batch.put(metaCf, Codec.META_COMPACTED_PHYSICALLY, Codec.longBytes(compactor.done()));
      }
      long writing = System.nanoTime();
      db.write(writeOptions, batch);
      long written = System.nanoTime();
      applyTimings.applied(entries.size(), written - started, written - writing);
      index.commit();
      revision = applier.revision();
      compactedRevision = applier.compacted();
      auth = applier.auth();
      alarms = applier.alarms();
      compactor.scheduleIfBehind(compactedRevision);
      appliedIndex = last;
      quotaSize.refresh(this::sizeInUseOpen);
      return out;
    } catch (RocksDBException e) {
      throw new KvStorageException("apply up to index " + last + " failed", e);
    } finally {
      index.rollbackTo(0); // nothing to take back once committed; everything if the write failed
    }
  }

  private ApplyResult skipped() {
    return new ApplyResult(appliedIndex, revision, true, List.of(), List.of());
  }

  /**
   * A read at the current revision or, with {@code revision > 0}, a past one (serializable: the
   * local state, whatever has been applied).
   *
   * @throws KvException COMPACTED, FUTURE_REV or EMPTY_KEY
   */
  public Range.Result range(Range request) {
    if (request.revision() <= 0) {
      return currentRange(request);
    }
    return read(read -> Ranges.range(read.view(), request, read.revision, read.compacted));
  }

  /** {@link CurrentRanges#range}, with this store's database, index and lock. */
  private Range.Result currentRange(Range request) {
    Ranges.checkKey(request.key());
    return withDb(
        () ->
            CurrentRanges.range(
                db, metaCf, kvCf, index, indexLock.readLock(), () -> revision, request));
  }

  /**
   * The changes from {@code fromRevision} on, in revision order: at least all of one revision and
   * at most about {@code maxEvents} (a revision is never split). With {@code prevKv}, each event
   * carries the key as it was just before. Meant for watchers catching up; new changes arrive in
   * {@link ApplyResult#events()}.
   *
   * @throws KvException COMPACTED when {@code fromRevision} is below the compacted revision (as
   *     etcd; from exactly the compacted revision, deletes at that revision are already gone)
   */
  public Changes changes(long fromRevision, int maxEvents, boolean prevKv) {
    return read(read -> HistoryReads.changes(read, revCf, kvCf, fromRevision, maxEvents, prevKv));
  }

  /** The keys currently attached to {@code leaseId}, in key order. */
  public List<byte[]> keysWithLease(long leaseId) {
    return read(read -> Applier.keysWithLease(read, leaseCf, leaseId));
  }

  /** The granted lease {@code leaseId}, or null when it is not granted (or was revoked). */
  public Lease lease(long leaseId) {
    return read(read -> Applier.lease(read, leaseCf, leaseId));
  }

  /** Every member of the cluster as replicated, in id order (as unsigned). */
  public List<Member> members() {
    return read(read -> Members.all(read, metaCf));
  }

  /** The member {@code id}, or null if it is not a member. */
  public Member member(long id) {
    return read(read -> Members.get(read, metaCf, id));
  }

  /** The ids of every member that was removed from the cluster. */
  public java.util.Set<Long> removedMembers() {
    return read(read -> Members.removed(read, metaCf));
  }

  /** Every granted lease, in id order (as unsigned). */
  public List<Lease> leases() {
    return read(read -> Applier.leases(read, leaseCf));
  }

  /**
   * A CRC32 over every key present at {@code rev} (0: current) with its value, revisions, version
   * and lease: equal on every replica at the same revision, whatever their compaction history.
   *
   * @throws KvException COMPACTED or FUTURE_REV
   */
  public long hashKV(long rev) {
    return read(read -> Hashes.hashKv(read, rev));
  }

  /**
   * A CRC32 over the whole stored history (every record of the {@code kv}, {@code rev} and {@code
   * lease} families) plus the revision and compacted revision; the applied index is left out.
   */
  public long hash() {
    awaitCompaction(compactedRevision, java.time.Duration.ofMinutes(1));
    return read(read -> Hashes.hashRecords(read, List.of(kvCf, revCf, leaseCf)));
  }

  /**
   * Waits until the background compactor deleted what the compactions up to {@code rev} dropped
   * (etcd's {@code physical} compaction); false if {@code timeout} passed first. Reads at or above
   * the compacted revision do not need this: they see the same either way. An interrupt ends the
   * wait (false), the thread's interrupt status kept.
   */
  public boolean awaitCompaction(long rev, java.time.Duration timeout) {
    return compactor.await(Math.min(rev, compactedRevision), timeout);
  }

  /** The store's side of the {@link Compactor}: each call under the read lock. */
  private final class CompactorAccess implements Compactor.Store {
    @Override
    public Compactor.State compactionState() {
      return withDb(() -> new Compactor.State(compactedRevision, generation));
    }

    @Override
    public List<byte[]> touchedGroups(long gen, long from, long to) {
      return withDb(
          () -> {
            if (gen != generation) {
              return null;
            }
            try (RocksIterator it = db.newIterator(revCf)) {
              return Compactor.touchedGroups(it, from, to);
            }
          });
    }

    @Override
    public boolean dropSlice(long gen, List<byte[]> groups, long to, boolean last) {
      return withDb(
          () -> {
            if (gen != generation) {
              return false;
            }
            try (org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch();
                RocksIterator it = db.newIterator(kvCf)) {
              Compactor.drop(it, groups, to, batch, kvCf, revCf);
              if (last) {
                batch.put(metaCf, Codec.META_COMPACTED_PHYSICALLY, Codec.longBytes(to));
              }
              db.write(writeOptions, batch);
            } catch (RocksDBException e) {
              throw new KvStorageException("background compaction at " + to + " failed", e);
            }
            if (last) {
              compactor.finished(to);
            }
            return true;
          });
    }
  }

  /**
   * Makes this store the state of a member of a new cluster started from a snapshot (etcd's {@code
   * snapshot restore}): every member and removed-member record is replaced by {@code members} and
   * the applied index set to {@code index}; keys, revisions, leases and auth are kept. Durable when
   * it returns (flushed). Only on a store no Raft node uses.
   *
   * @throws KvStorageException when RocksDB fails
   */
  public void resetMembership(long index, List<Member> members) {
    Lock l = writeLock("resetMembership");
    try {
      checkOpen();
      try (org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch()) {
        Members.replaceAll(db, batch, metaCf, members);
        batch.put(metaCf, Codec.META_APPLIED_INDEX, Codec.longBytes(index));
        db.write(writeOptions, batch);
      } catch (RocksDBException e) {
        throw new KvStorageException("resetting the membership of " + dir + " failed", e);
      }
      appliedIndex = index;
      flushOpen(true);
    } finally {
      l.unlock();
    }
  }

  /**
   * The number of records the store holds in all its column families (every revision of every key,
   * leases, members, auth, metadata): what etcd's {@code snapshot status} reports as total keys
   * (every key of every bbolt bucket).
   */
  public long totalRecords() {
    return read(read -> Hashes.countRecords(read, handles));
  }

  /**
   * Writes a RocksDB checkpoint (hard links where possible) of the current state, applied index
   * included, to {@code dir}, which must not exist. This is the state machine snapshot.
   */
  public Path checkpoint(Path dir) {
    return withDb(
        () -> {
          flushOpen(true); // the checkpoint must hold every applied batch (there is no WAL to copy)
          try (Checkpoint cp = Checkpoint.create(db)) {
            cp.createCheckpoint(dir.toString());
            return dir;
          } catch (RocksDBException e) {
            throw new KvStorageException("checkpoint to " + dir + " failed", e);
          }
        });
  }

  /**
   * The bytes the store's files take on disk now (every file of its RocksDB directory: tables, WAL,
   * manifest), what etcd reports as {@code dbSize}.
   */
  public long dbSize() {
    // Under the lock, so the directory is not half replaced while listed.
    return withDb(
        () -> {
          try {
            return Dirs.filesSize(dir);
          } catch (IOException e) {
            throw new KvStorageException("cannot list " + dir, e);
          }
        });
  }

  /**
   * The bytes the data itself takes: RocksDB's estimate of live data in tables plus what is in
   * memtables, summed over the column families; what etcd reports as {@code dbSizeInUse}.
   */
  public long dbSizeInUse() {
    return withDb(this::sizeInUseOpen);
  }

  /** {@link #dbSizeInUse()} with the lock held and RocksDB open. */
  private long sizeInUseOpen() {
    long total = 0;
    try {
      for (ColumnFamilyHandle cf : handles) {
        total += db.getLongProperty(cf, "rocksdb.estimate-live-data-size");
        total += db.getLongProperty(cf, "rocksdb.cur-size-all-mem-tables");
      }
    } catch (RocksDBException e) {
      throw new KvStorageException("cannot read RocksDB size properties", e);
    }
    return total;
  }

  /**
   * Makes every applied batch durable: flushes the memtables of every column family together and
   * waits for it (the store writes no WAL of its own).
   */
  public void sync() {
    withDb(
        () -> {
          flushOpen(true);
          return null;
        });
  }

  /**
   * Starts an atomic flush of every column family and returns without waiting for it (nor for a
   * write stall to clear), so that the next {@link #sync} or {@link #checkpoint} has only what is
   * applied from now on left to write. Durability is unchanged: a crash still loses what no
   * finished flush wrote, and the Raft log replays it.
   */
  public void flushInBackground() {
    withDb(
        () -> {
          flushOpen(false);
          return null;
        });
  }

  /** Flushes every column family atomically and waits (or not); RocksDB open, lock held. */
  private void flushOpen(boolean wait) {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(wait).setAllowWriteStall(!wait)) {
      db.flush(fo, handles);
    } catch (RocksDBException e) {
      throw new KvStorageException("flush of " + dir + " failed", e);
    }
  }

  /**
   * Closes RocksDB once the calls under way on other threads are done; every later call that
   * touches RocksDB throws {@link IllegalStateException}. Closing again does nothing.
   *
   * @throws IllegalStateException when called from inside a read of this store
   */
  @Override
  public void close() {
    compactor.close();
    Lock l = writeLock("close");
    try {
      if (db != null) {
        flushOpen(true); // what was applied since the last flush is in the memtables only
      }
      closeDb("closed");
      batches.close();
    } finally {
      l.unlock();
    }
  }

  /** Closes whatever is open and records why; write lock held. */
  private void closeDb(String why) {
    if (handles != null) {
      handles.forEach(ColumnFamilyHandle::close);
      handles = null;
    }
    if (db != null) {
      db.close();
      db = null;
      closedBecause = why;
    } else if (closedBecause == null) {
      closedBecause = why;
    }
    for (RocksObject o : new RocksObject[] {writeOptions, cfOptions, dbOptions}) {
      if (o != null) {
        o.close();
      }
    }
    writeOptions = null;
    cfOptions = null;
    dbOptions = null;
    kvCf = revCf = leaseCf = metaCf = null;
  }

  /**
   * For tests: the in-memory key index as it is, and one rebuilt from RocksDB now (they must be
   * equal). Apply thread only.
   */
  List<java.util.Map<byte[], KeyIndex.Latest>> keyIndexAndRebuiltForTest() {
    return withDb(
        () -> {
          KeyIndex rebuilt = new KeyIndex(options.valueCacheBytes());
          try (RocksIterator it = db.newIterator(kvCf)) {
            rebuilt.rebuild(it);
          }
          return List.of(index.snapshotForTest(), rebuilt.snapshotForTest());
        });
  }
}

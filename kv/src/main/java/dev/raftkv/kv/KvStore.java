package dev.raftkv.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
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
 * <p>Threading: {@link #apply} and {@link #applyAll} must be called by one thread at a time (the
 * apply thread). The reads ({@link #range}, {@link #changes}, {@link #keysWithLease}, {@link
 * #hashKV}, {@link #hash}) and {@link #checkpoint} may run on any thread concurrently with it; each
 * works on a RocksDB snapshot and sees the state after some whole apply call. {@link #close} must
 * not race with anything.
 *
 * <p>Durability: each apply call is one RocksDB write batch with the applied index in it, written
 * to RocksDB's WAL without fsync. After a process crash the store holds exactly the state after
 * some whole {@code apply} call (never part of one); after a machine crash it may be older, and the
 * runtime replays the Raft log from {@link #appliedIndex()} + 1. The runtime must not discard Raft
 * log entries above the applied index of a durable state: call {@link #sync()} (or take a {@link
 * #checkpoint}) first.
 */
public final class KvStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles;
  private final ColumnFamilyHandle kvCf;
  private final ColumnFamilyHandle revCf;
  private final ColumnFamilyHandle leaseCf;
  private final ColumnFamilyHandle metaCf;
  private final KvOptions options;
  private final Path dir;

  // Written only by the apply thread, after the batch is in RocksDB; read by anyone.
  private volatile long appliedIndex;
  private volatile long revision;
  private volatile long compactedRevision;

  private KvStore(Path dir, KvOptions options) {
    this.options = options;
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
    cfOptions = new ColumnFamilyOptions();
    writeOptions = new WriteOptions();
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
    } catch (RocksDBException | RuntimeException e) {
      closeQuietly();
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
    try {
      if (Files.isDirectory(dataDir)) {
        try (Stream<Path> s = Files.list(dataDir)) {
          if (s.findAny().isPresent()) {
            throw new IllegalArgumentException("restore target is not empty: " + dataDir);
          }
        }
      }
      Files.createDirectories(dataDir);
      try (Stream<Path> files = Files.list(checkpointDir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, dataDir.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return open(dataDir, options);
  }

  /** The Raft index of the last applied entry (0 when none). */
  public long appliedIndex() {
    return appliedIndex;
  }

  /** The current store revision (1 when empty). */
  public long revision() {
    return revision;
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
   */
  public List<ApplyResult> applyAll(List<Entry> entries) {
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
    try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
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
              options);
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
      db.write(writeOptions, batch);
      revision = applier.revision();
      compactedRevision = applier.compacted();
      appliedIndex = last;
      return out;
    } catch (RocksDBException e) {
      throw new KvStorageException("apply up to index " + last + " failed", e);
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
  public RangeResponse range(RangeRequest request) {
    try (Read read = new Read()) {
      return Ranges.range(read.view(), request, read.revision, read.compacted);
    }
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
    try (Read read = new Read()) {
      long from = Math.max(fromRevision, 1);
      if (from < read.compacted) {
        throw new KvException(KvException.Code.COMPACTED);
      }
      MvccView view = read.view();
      List<Event> events = new ArrayList<>();
      long next = read.revision + 1;
      try (RocksIterator it = read.iterator(revCf);
          RocksIterator kvs = read.iterator(kvCf)) {
        for (it.seek(Codec.revKey(from, 0)); it.isValid(); it.next()) {
          byte[] k = it.key();
          long main = Codec.revKeyMain(k);
          if (main > read.revision) {
            break;
          }
          if (events.size() >= maxEvents
              && main != events.get(events.size() - 1).kv().modRevision()) {
            next = main;
            break;
          }
          byte[] v = it.value();
          byte[] key = Arrays.copyOfRange(v, 1, v.length);
          KeyValue prev = prevKv ? view.get(key, main - 1, false) : null;
          if (v[0] == Codec.TOMBSTONE) {
            events.add(
                new Event(Event.Type.DELETE, new KeyValue(key, 0, main, 0, Bytes.EMPTY, 0), prev));
          } else {
            byte[] kvKey = Codec.kvKey(Codec.group(key), main, Codec.revKeySub(k));
            kvs.seek(kvKey);
            if (!kvs.isValid() || !Arrays.equals(kvs.key(), kvKey)) {
              throw new IllegalStateException("rev record without kv record at " + main);
            }
            events.add(new Event(Event.Type.PUT, Codec.decode(kvKey, kvs.value(), false), prev));
          }
        }
      }
      return new Changes(events, next, read.revision);
    }
  }

  /** The keys currently attached to {@code leaseId}, in key order. */
  public List<byte[]> keysWithLease(long leaseId) {
    try (Read read = new Read()) {
      return Applier.keysWithLease(read, leaseCf, leaseId);
    }
  }

  /** The granted lease {@code leaseId}, or null when it is not granted (or was revoked). */
  public Lease lease(long leaseId) {
    try (Read read = new Read()) {
      return Applier.lease(read, leaseCf, leaseId);
    }
  }

  /** Every member of the cluster as replicated, in id order (as unsigned). */
  public List<Member> members() {
    try (Read read = new Read()) {
      return Members.all(read, metaCf);
    }
  }

  /** The member {@code id}, or null if it is not a member. */
  public Member member(long id) {
    try (Read read = new Read()) {
      return Members.get(read, metaCf, id);
    }
  }

  /** The ids of every member that was removed from the cluster. */
  public java.util.Set<Long> removedMembers() {
    try (Read read = new Read()) {
      return Members.removed(read, metaCf);
    }
  }

  /** Every granted lease, in id order (as unsigned). */
  public List<Lease> leases() {
    try (Read read = new Read()) {
      return Applier.leases(read, leaseCf);
    }
  }

  /**
   * A CRC32 over every key present at {@code rev} (0: current) with its value, revisions, version
   * and lease: equal on every replica at the same revision, whatever their compaction history.
   *
   * @throws KvException COMPACTED or FUTURE_REV
   */
  public long hashKV(long rev) {
    try (Read read = new Read()) {
      long at = Ranges.readRevision(rev, read.revision, read.compacted);
      CRC32 crc = new CRC32();
      read.view()
          .forEach(
              at,
              kv -> {
                crc.update(Codec.longBytes(kv.key().length));
                crc.update(kv.key());
                crc.update(Codec.longBytes(kv.createRevision()));
                crc.update(Codec.longBytes(kv.modRevision()));
                crc.update(Codec.longBytes(kv.version()));
                crc.update(Codec.longBytes(kv.lease()));
                crc.update(Codec.longBytes(kv.value().length));
                crc.update(kv.value());
              });
      return crc.getValue();
    }
  }

  /**
   * A CRC32 over the whole stored history (every record of the {@code kv}, {@code rev} and {@code
   * lease} families) plus the revision and compacted revision; the applied index is left out.
   */
  public long hash() {
    try (Read read = new Read()) {
      CRC32 crc = new CRC32();
      crc.update(Codec.longBytes(read.revision));
      crc.update(Codec.longBytes(read.compacted));
      for (ColumnFamilyHandle cf : List.of(kvCf, revCf, leaseCf)) {
        try (RocksIterator it = read.iterator(cf)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            byte[] k = it.key();
            byte[] v = it.value();
            crc.update(Codec.longBytes(k.length));
            crc.update(k);
            crc.update(Codec.longBytes(v.length));
            crc.update(v);
          }
        }
      }
      return crc.getValue();
    }
  }

  /**
   * Writes a RocksDB checkpoint (hard links where possible) of the current state, applied index
   * included, to {@code dir}, which must not exist. This is the state machine snapshot.
   */
  public Path checkpoint(Path dir) {
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(dir.toString());
      return dir;
    } catch (RocksDBException e) {
      throw new KvStorageException("checkpoint to " + dir + " failed", e);
    }
  }

  /**
   * The bytes the store's files take on disk now (every file of its RocksDB directory: tables, WAL,
   * manifest), what etcd reports as {@code dbSize}.
   */
  public long dbSize() {
    long total = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        try {
          total += Files.size(f);
        } catch (IOException gone) {
          // a file RocksDB deleted while we looked (compaction) takes no space
        }
      }
    } catch (IOException e) {
      throw new KvStorageException("cannot list " + dir, e);
    }
    return total;
  }

  /**
   * The bytes the data itself takes: RocksDB's estimate of live data in tables plus what is in
   * memtables, summed over the column families; what etcd reports as {@code dbSizeInUse}.
   */
  public long dbSizeInUse() {
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

  /** Makes every applied batch durable (fsyncs RocksDB's WAL). */
  public void sync() {
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw new KvStorageException("WAL sync failed", e);
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    if (handles != null) {
      handles.forEach(ColumnFamilyHandle::close);
    }
    if (db != null) {
      db.close();
    }
    writeOptions.close();
    cfOptions.close();
    dbOptions.close();
  }

  /** A consistent read: a RocksDB snapshot and the revisions recorded in it. */
  private final class Read implements Source, AutoCloseable {
    private final Snapshot snapshot = db.getSnapshot();
    private final ReadOptions ro = new ReadOptions().setSnapshot(snapshot);
    final long revision;
    final long compacted;

    Read() {
      try {
        revision = Codec.toLong(db.get(metaCf, ro, Codec.META_REVISION), 1);
        compacted = Codec.toLong(db.get(metaCf, ro, Codec.META_COMPACTED), 0);
      } catch (RocksDBException e) {
        close();
        throw new KvStorageException("read failed", e);
      }
    }

    MvccView view() {
      return new MvccView(this, kvCf);
    }

    @Override
    public RocksIterator iterator(ColumnFamilyHandle cf) {
      return db.newIterator(cf, ro);
    }

    @Override
    public byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
      return db.get(cf, ro, key);
    }

    @Override
    public void close() {
      ro.close();
      db.releaseSnapshot(snapshot);
    }
  }
}

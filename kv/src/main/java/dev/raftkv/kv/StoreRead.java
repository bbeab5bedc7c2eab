package dev.raftkv.kv;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * A consistent read of the store: a RocksDB snapshot and the revision and compacted revision
 * recorded in it. The caller holds the store's read lock (the database stays open) from creation to
 * {@link #close()}, which releases the snapshot. Not thread-safe.
 */
final class StoreRead implements Source, AutoCloseable {
  private final RocksDB db;
  private final ColumnFamilyHandle kvCf;
  private final Snapshot snapshot;
  private final ReadOptions ro;

  /** The store's revision in the snapshot. */
  final long revision;

  /** The compacted revision in the snapshot. */
  final long compacted;

  /**
   * Takes the snapshot and reads its revisions.
   *
   * @throws KvStorageException if RocksDB fails (the snapshot is released)
   */
  StoreRead(RocksDB db, ColumnFamilyHandle metaCf, ColumnFamilyHandle kvCf) {
    this.db = db;
    this.kvCf = kvCf;
    this.snapshot = db.getSnapshot();
    this.ro = new ReadOptions().setSnapshot(snapshot);
    try {
      revision = Codec.toLong(db.get(metaCf, ro, Codec.META_REVISION), 1);
      compacted = Codec.toLong(db.get(metaCf, ro, Codec.META_COMPACTED), 0);
    } catch (RocksDBException e) {
      close();
      throw new KvStorageException("read failed", e);
    }
  }

  /** The key history as of this snapshot. */
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

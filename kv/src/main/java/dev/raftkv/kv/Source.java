package dev.raftkv.kv;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Where an {@link MvccView} reads from: a RocksDB snapshot (reads) or the pending write batch over
 * the database (inside {@link KvStore#apply}, so that later ops see earlier ones).
 */
interface Source {
  RocksIterator iterator(ColumnFamilyHandle cf);

  byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException;

  /** The latest state of {@code db}, no snapshot (for loading at open, before any reader). */
  static Source of(RocksDB db) {
    return new Source() {
      @Override
      public RocksIterator iterator(ColumnFamilyHandle cf) {
        return db.newIterator(cf);
      }

      @Override
      public byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
        return db.get(cf, key);
      }
    };
  }
}

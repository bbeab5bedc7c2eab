package dev.raftkv.kv;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Where an {@link MvccView} reads from: a RocksDB snapshot (reads) or the pending write batch over
 * the database (inside {@link KvStore#apply}, so that later ops see earlier ones).
 */
interface Source {
  RocksIterator iterator(ColumnFamilyHandle cf);

  byte[] get(ColumnFamilyHandle cf, byte[] key) throws RocksDBException;
}

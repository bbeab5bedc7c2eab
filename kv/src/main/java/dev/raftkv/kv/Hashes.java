package dev.raftkv.kv;

import java.util.List;
import java.util.zip.CRC32;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/** The store's two checksums (etcd's {@code HashKV} and {@code Hash}), over one consistent read. */
final class Hashes {
  private Hashes() {}

  /**
   * A CRC32 over every key present at {@code rev} (0: current) with its value, revisions, version
   * and lease: equal on every replica at the same revision, whatever their compaction history.
   *
   * @throws KvException COMPACTED or FUTURE_REV
   */
  static long hashKv(StoreRead read, long rev) {
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

  /** How many records {@code families} hold in {@code read}'s snapshot. */
  static long countRecords(StoreRead read, List<ColumnFamilyHandle> families) {
    long n = 0;
    for (ColumnFamilyHandle cf : families) {
      try (RocksIterator it = read.iterator(cf)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * A CRC32 over every record of {@code families} (length-prefixed keys and values, in order) after
   * the read's revision and compacted revision.
   */
  static long hashRecords(StoreRead read, List<ColumnFamilyHandle> families) {
    CRC32 crc = new CRC32();
    crc.update(Codec.longBytes(read.revision));
    crc.update(Codec.longBytes(read.compacted));
    for (ColumnFamilyHandle cf : families) {
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

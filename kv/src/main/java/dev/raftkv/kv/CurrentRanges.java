package dev.raftkv.kv;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.LongSupplier;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;

/**
 * Ranges at the current revision, from the key index: deleted keys and older versions are never
 * visited, however many the history holds. While an apply call holds the index for longer than
 * {@link #INDEX_WAIT} (a delete of many keys), a range reads the history on a snapshot instead. The
 * index, the revision and the newest records are those of one moment between two apply calls: the
 * keys are taken under the shared index lock (no apply call runs meanwhile), and so are a few
 * records; when more records are needed than {@link #RECORDS_UNDER_LOCK}, they are read after the
 * lock is released, from a RocksDB snapshot taken under it, so a long range does not hold up the
 * apply thread.
 */
final class CurrentRanges {
  /** A current-revision range reading more records than this reads them outside the index lock. */
  static final int RECORDS_UNDER_LOCK = 64;

  /**
   * How long a range at the current revision waits for an apply call to release the key index
   * before it reads the history on a RocksDB snapshot instead (the state before that call).
   */
  static final Duration INDEX_WAIT = Duration.ofMillis(20);

  private CurrentRanges() {}

  /**
   * {@code request} at the current revision of the open store {@code db}.
   *
   * @param indexReadLock the shared side of the lock apply calls hold while they change {@code
   *     index}
   * @param revision the store's revision, read under that lock
   * @throws KvStorageException when RocksDB fails
   */
  static Range.Result range(
      RocksDB db,
      ColumnFamilyHandle metaCf,
      ColumnFamilyHandle kvCf,
      KeyIndex index,
      Lock indexReadLock,
      LongSupplier revision,
      Range request) {
    boolean keysOnly = Ranges.dropsValues(request) || request.countOnly();
    List<Map.Entry<byte[], KeyIndex.Latest>> entries = new ArrayList<>();
    List<KeyValue> kvs = new ArrayList<>();
    long count;
    long rev;
    Snapshot snapshot = null;
    if (!lockIndex(indexReadLock)) {
      // a long apply call (a delete of many keys) holds the index: read the state before it
      try (StoreRead read = new StoreRead(db, metaCf, kvCf)) {
        return Ranges.range(read.view(), request, read.revision, read.compacted);
      }
    }
    try {
      count = index.range(request.key(), request.rangeEnd(), Ranges.keep(request), entries);
      rev = revision.getAsLong();
      int records = 0;
      for (int i = 0; !keysOnly && i < entries.size(); i++) {
        records += entries.get(i).getValue().needsRecord() ? 1 : 0;
      }
      if (records <= RECORDS_UNDER_LOCK) {
        for (Map.Entry<byte[], KeyIndex.Latest> e : entries) {
          kvs.add(newest(db, kvCf, e.getKey(), e.getValue(), keysOnly, null));
        }
      } else {
        snapshot = db.getSnapshot();
      }
    } finally {
      indexReadLock.unlock();
    }
    if (snapshot != null) {
      try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
        for (Map.Entry<byte[], KeyIndex.Latest> e : entries) {
          kvs.add(newest(db, kvCf, e.getKey(), e.getValue(), false, ro));
        }
      } finally {
        db.releaseSnapshot(snapshot);
      }
    }
    return Ranges.respond(request, kvs, count, rev);
  }

  /**
   * Takes the index's read lock unless an apply call keeps it longer than {@link #INDEX_WAIT};
   * false (and not locked) then, or when the thread is interrupted (whose flag is kept).
   */
  private static boolean lockIndex(Lock l) {
    try {
      return l.tryLock(INDEX_WAIT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The key's newest version, its record read through {@code ro} (null: the latest state). */
  private static KeyValue newest(
      RocksDB db,
      ColumnFamilyHandle kvCf,
      byte[] key,
      KeyIndex.Latest latest,
      boolean keysOnly,
      ReadOptions ro) {
    try {
      byte[] record = null;
      if (!keysOnly && latest.needsRecord()) {
        record = ro == null ? db.get(kvCf, latest.kvKey(key)) : db.get(kvCf, ro, latest.kvKey(key));
      }
      return latest.toKeyValue(key.clone(), record, keysOnly);
    } catch (RocksDBException e) {
      throw new KvStorageException("read failed", e);
    }
  }
}

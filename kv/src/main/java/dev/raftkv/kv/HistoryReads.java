package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/** Reads of the revision history ({@code rev} family) on a consistent {@link StoreRead}. */
final class HistoryReads {
  private HistoryReads() {}

  /**
   * The changes from {@code fromRevision} on, as of {@code read}: see {@link KvStore#changes}.
   *
   * @throws KvException COMPACTED when {@code fromRevision} is below the compacted revision
   */
  static Changes changes(
      StoreRead read,
      ColumnFamilyHandle revCf,
      ColumnFamilyHandle kvCf,
      long fromRevision,
      int maxEvents,
      boolean prevKv) {
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
        if (main == read.compacted && v[0] == Codec.TOMBSTONE) {
          continue; // compaction drops it (the background compactor may not have yet)
        }
        byte[] key = Arrays.copyOfRange(v, 1, v.length);
        KeyValue prev = prevKv ? view.get(key, main - 1, false) : null;
        if (v[0] == Codec.TOMBSTONE) {
          events.add(
              new Event(Event.Type.DELETE, new KeyValue(key, 0, main, 0, Bytes.EMPTY, 0), prev));
        } else {
          byte[] group = Codec.group(key);
          byte[] kvKey = Codec.kvKey(group, main, Codec.revKeySub(k));
          kvs.seek(kvKey);
          if (!kvs.isValid() || !Arrays.equals(Codec.keyInGroup(kvs, group), kvKey)) {
            throw new IllegalStateException("rev record without kv record at " + main);
          }
          events.add(new Event(Event.Type.PUT, Codec.decode(kvKey, kvs.value(), false), prev));
        }
      }
    }
    return new Changes(events, next, read.revision);
  }
}

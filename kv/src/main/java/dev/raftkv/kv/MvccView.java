package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/**
 * Reads of the multi-version {@code kv} family through a {@link Source}: the keys of a range as
 * they were at a revision. No validation of revisions here; callers check compaction first.
 */
final class MvccView implements Ranges.Scan {
  private final Source source;
  private final ColumnFamilyHandle kvCf;

  MvccView(Source source, ColumnFamilyHandle kvCf) {
    this.source = source;
    this.kvCf = kvCf;
  }

  /** The key as it was at {@code rev}, or null when absent (never written or deleted). */
  KeyValue get(byte[] key, long rev, boolean keysOnly) {
    try (RocksIterator it = source.iterator(kvCf)) {
      return visibleAt(it, Codec.group(key), rev, keysOnly);
    }
  }

  /**
   * Visits, in key order, every key of {@code [key, rangeEnd)} (etcd conventions, see {@link
   * Range}) that is present at {@code rev}. Stops when {@code visitor} returns false.
   */
  @Override
  public void scan(byte[] key, byte[] rangeEnd, long rev, boolean keysOnly, Visitor visitor) {
    if (rangeEnd.length == 0) {
      KeyValue kv = get(key, rev, keysOnly);
      if (kv != null) {
        visitor.visit(kv);
      }
      return;
    }
    boolean fromKey = rangeEnd.length == 1 && rangeEnd[0] == 0;
    if (!fromKey && Bytes.compare(rangeEnd, key) <= 0) {
      return;
    }
    byte[] upper = fromKey ? null : Codec.group(rangeEnd);
    try (RocksIterator it = source.iterator(kvCf)) {
      it.seek(Codec.group(key));
      while (it.isValid()) {
        // the first key past the range is read no further than the bound: it may be huge
        byte[] k = upper == null ? it.key() : Codec.keyBelow(it, upper);
        if (k == null) {
          return;
        }
        byte[] group = Arrays.copyOf(k, Codec.groupLength(k));
        KeyValue kv = visibleAt(it, group, rev, keysOnly);
        if (kv != null && !visitor.visit(kv)) {
          return;
        }
        it.seek(Codec.afterGroup(group));
      }
    }
  }

  /** All keys of the range present at {@code rev}, in key order. */
  List<KeyValue> list(byte[] key, byte[] rangeEnd, long rev, boolean keysOnly) {
    List<KeyValue> out = new ArrayList<>();
    scan(key, rangeEnd, rev, keysOnly, kv -> out.add(kv));
    return out;
  }

  /** Every key present at {@code rev}, in key order. */
  void forEach(long rev, Consumer<KeyValue> action) {
    scan(
        Bytes.FROM_KEY,
        Bytes.FROM_KEY,
        rev,
        false,
        kv -> {
          action.accept(kv);
          return true;
        });
  }

  private static KeyValue visibleAt(RocksIterator it, byte[] group, long rev, boolean keysOnly) {
    it.seek(Codec.seekAtOrBelow(group, rev));
    if (!it.isValid()) {
      return null;
    }
    byte[] k = Codec.keyInGroup(it, group); // an absent key's seek lands on the next key
    if (k == null) {
      return null;
    }
    byte[] v = it.value();
    return Codec.isTombstone(v) ? null : Codec.decode(k, v, keysOnly);
  }

  /** Receives keys of a scan; returns false to stop. */
  interface Visitor {
    boolean visit(KeyValue kv);
  }
}

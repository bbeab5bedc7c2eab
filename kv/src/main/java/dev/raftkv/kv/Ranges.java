package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** etcd's Range semantics over an {@link MvccView}, shared by reads and txns. */
final class Ranges {
  private Ranges() {}

  /** Where a range reads its keys: see {@link MvccView#scan}. */
  interface Scan {
    void scan(byte[] key, byte[] rangeEnd, long rev, boolean keysOnly, MvccView.Visitor visitor);
  }

  /**
   * Checks a read revision the way etcd does: 0 means current; above the current revision is a
   * future revision; below the compacted revision is compacted (reading at it is allowed).
   */
  static long readRevision(long requested, long current, long compacted) {
    if (requested <= 0) {
      return current;
    }
    if (requested > current) {
      throw new KvException(KvException.Code.FUTURE_REV);
    }
    if (requested < compacted) {
      throw new KvException(KvException.Code.COMPACTED);
    }
    return requested;
  }

  static void checkKey(byte[] key) {
    if (key.length == 0) {
      throw new KvException(KvException.Code.EMPTY_KEY);
    }
  }

  /**
   * Runs {@code r} against {@code view}. {@code current} is the revision the response header
   * carries and the revision read when {@code r.revision()} is 0.
   */
  static RangeResponse range(Scan view, RangeRequest r, long current, long compacted) {
    checkKey(r.key());
    long rev = readRevision(r.revision(), current, compacted);
    boolean filtered =
        r.sortOrder() != RangeRequest.SortOrder.NONE
            || r.minModRevision() != 0
            || r.maxModRevision() != 0
            || r.minCreateRevision() != 0
            || r.maxCreateRevision() != 0;
    // Without sorting or filtering, keep limit+1 keys (enough to know there are more); otherwise
    // keep every key, sort and filter, then cut (what etcd's apply does).
    long keep = r.countOnly() ? 0 : (filtered || r.limit() <= 0 ? Long.MAX_VALUE : r.limit() + 1);
    List<KeyValue> kvs = new ArrayList<>();
    long[] count = {0};
    // keys_only still sorts by value (etcd drops values last)
    boolean dropValues = r.keysOnly() && r.sortTarget() != RangeRequest.SortTarget.VALUE;
    view.scan(
        r.key(),
        r.rangeEnd(),
        rev,
        dropValues,
        kv -> {
          count[0]++;
          if (kvs.size() < keep) {
            kvs.add(kv);
          }
          return true;
        });
    if (r.countOnly()) {
      return new RangeResponse(current, List.of(), false, count[0]);
    }
    kvs.removeIf(
        kv ->
            (r.maxModRevision() != 0 && kv.modRevision() > r.maxModRevision())
                || (r.minModRevision() != 0 && kv.modRevision() < r.minModRevision())
                || (r.maxCreateRevision() != 0 && kv.createRevision() > r.maxCreateRevision())
                || (r.minCreateRevision() != 0 && kv.createRevision() < r.minCreateRevision()));
    RangeRequest.SortOrder order = r.sortOrder();
    if (r.sortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND; // etcd: a target other than KEY sorts ascending
    } else if (r.sortTarget() == RangeRequest.SortTarget.KEY
        && order == RangeRequest.SortOrder.ASCEND) {
      order = RangeRequest.SortOrder.NONE; // already in key order
    }
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> c = comparator(r.sortTarget());
      kvs.sort(order == RangeRequest.SortOrder.DESCEND ? c.reversed() : c);
    }
    boolean more = false;
    if (r.limit() > 0 && kvs.size() > r.limit()) {
      kvs.subList((int) r.limit(), kvs.size()).clear();
      more = true;
    }
    if (r.keysOnly() && !dropValues) {
      kvs.replaceAll(KeyValue::withoutValue);
    }
    return new RangeResponse(current, kvs, more, count[0]);
  }

  private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case KEY -> (a, b) -> Bytes.compare(a.key(), b.key());
      case VERSION -> Comparator.comparingLong(KeyValue::version);
      case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
      case MOD -> Comparator.comparingLong(KeyValue::modRevision);
      case VALUE -> (a, b) -> Bytes.compare(a.value(), b.value());
    };
  }
}

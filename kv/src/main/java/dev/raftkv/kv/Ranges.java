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
   * How many keys of {@code r}'s range it needs in full: none for a count; with no sorting or
   * filtering, its limit plus one (enough to know there are more); otherwise every key (sorted and
   * filtered, then cut, as etcd's apply does). The limit is the client's long: one that leaves no
   * room for the extra key (up to {@link Long#MAX_VALUE}) keeps every key rather than overflow.
   */
  static long keep(Range r) {
    if (r.countOnly()) {
      return 0;
    }
    boolean filtered =
        r.sortOrder() != Range.SortOrder.NONE
            || r.minModRevision() != 0
            || r.maxModRevision() != 0
            || r.minCreateRevision() != 0
            || r.maxCreateRevision() != 0;
    return filtered || r.limit() <= 0 || r.limit() >= Long.MAX_VALUE - 1
        ? Long.MAX_VALUE
        : r.limit() + 1;
  }

  /** Whether {@code r}'s keys can be read without values (keys_only still sorts by value). */
  static boolean dropsValues(Range r) {
    return r.keysOnly() && r.sortTarget() != Range.SortTarget.VALUE;
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
  static Range.Result range(Scan view, Range r, long current, long compacted) {
    checkKey(r.key());
    long rev = readRevision(r.revision(), current, compacted);
    long keep = keep(r);
    List<KeyValue> kvs = new ArrayList<>();
    long[] count = {0};
    view.scan(
        r.key(),
        r.rangeEnd(),
        rev,
        dropsValues(r) || r.countOnly(),
        kv -> {
          if (count[0]++ < keep) {
            kvs.add(kv);
          }
          return true;
        });
    return respond(r, kvs, count[0], current);
  }

  /**
   * The response to {@code r} from the first {@link #keep} keys of its range ({@code kvs}, in key
   * order, read without values when {@link #dropsValues}) and the number of keys the range holds;
   * {@code current} is the revision the header carries.
   */
  static Range.Result respond(Range r, List<KeyValue> kvs, long count, long current) {
    if (r.countOnly()) {
      return new Range.Result(current, List.of(), false, count);
    }
    kvs.removeIf(
        kv ->
            (r.maxModRevision() != 0 && kv.modRevision() > r.maxModRevision())
                || (r.minModRevision() != 0 && kv.modRevision() < r.minModRevision())
                || (r.maxCreateRevision() != 0 && kv.createRevision() > r.maxCreateRevision())
                || (r.minCreateRevision() != 0 && kv.createRevision() < r.minCreateRevision()));
    Range.SortOrder order = r.sortOrder();
    if (r.sortTarget() != Range.SortTarget.KEY && order == Range.SortOrder.NONE) {
      order = Range.SortOrder.ASCEND; // etcd: a target other than KEY sorts ascending
    } else if (r.sortTarget() == Range.SortTarget.KEY && order == Range.SortOrder.ASCEND) {
      order = Range.SortOrder.NONE; // already in key order
    }
    if (order != Range.SortOrder.NONE) {
      Comparator<KeyValue> c = comparator(r.sortTarget());
      kvs.sort(order == Range.SortOrder.DESCEND ? c.reversed() : c);
    }
    boolean more = false;
    if (r.limit() > 0 && kvs.size() > r.limit()) {
      kvs.subList((int) r.limit(), kvs.size()).clear();
      more = true;
    }
    if (r.keysOnly() && !dropsValues(r)) {
      kvs.replaceAll(KeyValue::withoutValue);
    }
    return new Range.Result(current, kvs, more, count);
  }

  private static Comparator<KeyValue> comparator(Range.SortTarget target) {
    return switch (target) {
      case KEY -> (a, b) -> Bytes.compare(a.key(), b.key());
      case VERSION -> Comparator.comparingLong(KeyValue::version);
      case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
      case MOD -> Comparator.comparingLong(KeyValue::modRevision);
      case VALUE -> (a, b) -> Bytes.compare(a.value(), b.value());
    };
  }
}

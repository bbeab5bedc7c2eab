package dev.raftkv.kv;

import java.util.List;
import java.util.Objects;

/**
 * etcd's {@code RangeRequest}.
 *
 * <p>Keys: {@code rangeEnd} empty means the single key {@code key}; {@link Bytes#FROM_KEY} ("\0")
 * means every key {@code >= key}; otherwise {@code [key, rangeEnd)} ({@link Bytes#prefixEnd} gives
 * the end for a prefix). {@code key = "\0", rangeEnd = "\0"} selects every key.
 *
 * @param limit at most this many keys (0: no limit); {@code more} tells whether there were more
 * @param revision read at this revision (0: the current one)
 * @param sortOrder order of the result; NONE is key order
 * @param sortTarget the field to sort by
 * @param keysOnly return keys without values
 * @param countOnly return only the count
 * @param minModRevision drop keys with a lower mod revision (0: no bound)
 * @param maxModRevision drop keys with a higher mod revision (0: no bound)
 * @param minCreateRevision drop keys with a lower create revision (0: no bound)
 * @param maxCreateRevision drop keys with a higher create revision (0: no bound)
 */
public record Range(
    byte[] key,
    byte[] rangeEnd,
    long limit,
    long revision,
    SortOrder sortOrder,
    SortTarget sortTarget,
    boolean keysOnly,
    boolean countOnly,
    long minModRevision,
    long maxModRevision,
    long minCreateRevision,
    long maxCreateRevision)
    implements RequestOp {

  /** etcd's {@code Range.SortOrder}. */
  public enum SortOrder {
    NONE(0),
    ASCEND(1),
    DESCEND(2);

    private final int code;

    SortOrder(int code) {
      this.code = code;
    }

    /** etcd's number for it, which is also its code in a stored command. */
    public int code() {
      return code;
    }
  }

  /** etcd's {@code Range.SortTarget}. */
  public enum SortTarget {
    KEY(0),
    VERSION(1),
    CREATE(2),
    MOD(3),
    VALUE(4);

    private final int code;

    SortTarget(int code) {
      this.code = code;
    }

    /** etcd's number for it, which is also its code in a stored command. */
    public int code() {
      return code;
    }
  }

  public Range {
    Objects.requireNonNull(key, "key");
    rangeEnd = rangeEnd == null ? Bytes.EMPTY : rangeEnd;
    sortOrder = sortOrder == null ? SortOrder.NONE : sortOrder;
    sortTarget = sortTarget == null ? SortTarget.KEY : sortTarget;
  }

  /** A read of one key at the current revision. */
  public static Range get(byte[] key) {
    return range(key, Bytes.EMPTY);
  }

  /** A read of {@code [key, rangeEnd)} at the current revision. */
  public static Range range(byte[] key, byte[] rangeEnd) {
    return new Range(key, rangeEnd, 0, 0, SortOrder.NONE, SortTarget.KEY, false, false, 0, 0, 0, 0);
  }

  /** A read of every key starting with {@code prefix}. */
  public static Range prefix(byte[] prefix) {
    return range(prefix, Bytes.prefixEnd(prefix));
  }

  public Range withLimit(long newLimit) {
    return new Range(
        key,
        rangeEnd,
        newLimit,
        revision,
        sortOrder,
        sortTarget,
        keysOnly,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public Range atRevision(long rev) {
    return new Range(
        key,
        rangeEnd,
        limit,
        rev,
        sortOrder,
        sortTarget,
        keysOnly,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public Range sorted(SortTarget target, SortOrder order) {
    return new Range(
        key,
        rangeEnd,
        limit,
        revision,
        order,
        target,
        keysOnly,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public Range keysOnly(boolean on) {
    return new Range(
        key,
        rangeEnd,
        limit,
        revision,
        sortOrder,
        sortTarget,
        on,
        countOnly,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  public Range countOnly(boolean on) {
    return new Range(
        key,
        rangeEnd,
        limit,
        revision,
        sortOrder,
        sortTarget,
        keysOnly,
        on,
        minModRevision,
        maxModRevision,
        minCreateRevision,
        maxCreateRevision);
  }

  /** Bounds on mod and create revisions (0: unbounded). */
  public Range revisionBounds(long minMod, long maxMod, long minCreate, long maxCreate) {
    return new Range(
        key,
        rangeEnd,
        limit,
        revision,
        sortOrder,
        sortTarget,
        keysOnly,
        countOnly,
        minMod,
        maxMod,
        minCreate,
        maxCreate);
  }

  @Override
  public String toString() {
    return "Range[" + Bytes.show(key) + ".." + Bytes.show(rangeEnd) + " rev=" + revision + "]";
  }

  /**
   * etcd's {@code RangeResponse}.
   *
   * @param revision the store's current revision (not the revision read at)
   * @param kvs the keys, empty when count_only
   * @param more whether the limit cut keys off
   * @param count the number of keys in the range (ignoring limit and the min/max filters, as etcd)
   */
  public record Result(long revision, List<KeyValue> kvs, boolean more, long count)
      implements Response {
    public Result {
      kvs = List.copyOf(kvs);
    }
  }
}

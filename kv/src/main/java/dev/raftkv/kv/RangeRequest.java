package dev.raftkv.kv;

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
public record RangeRequest(
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

  /** etcd's {@code RangeRequest.SortOrder}. */
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

  /** etcd's {@code RangeRequest.SortTarget}. */
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

  public RangeRequest {
    Objects.requireNonNull(key, "key");
    rangeEnd = rangeEnd == null ? Bytes.EMPTY : rangeEnd;
    sortOrder = sortOrder == null ? SortOrder.NONE : sortOrder;
    sortTarget = sortTarget == null ? SortTarget.KEY : sortTarget;
  }

  /** A read of one key at the current revision. */
  public static RangeRequest get(byte[] key) {
    return range(key, Bytes.EMPTY);
  }

  /** A read of {@code [key, rangeEnd)} at the current revision. */
  public static RangeRequest range(byte[] key, byte[] rangeEnd) {
    return new RangeRequest(
        key, rangeEnd, 0, 0, SortOrder.NONE, SortTarget.KEY, false, false, 0, 0, 0, 0);
  }

  /** A read of every key starting with {@code prefix}. */
  public static RangeRequest prefix(byte[] prefix) {
    return range(prefix, Bytes.prefixEnd(prefix));
  }

  public RangeRequest withLimit(long newLimit) {
    return new RangeRequest(
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

  public RangeRequest atRevision(long rev) {
    return new RangeRequest(
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

  public RangeRequest sorted(SortTarget target, SortOrder order) {
    return new RangeRequest(
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

  public RangeRequest keysOnly(boolean on) {
    return new RangeRequest(
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

  public RangeRequest countOnly(boolean on) {
    return new RangeRequest(
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
  public RangeRequest revisionBounds(long minMod, long maxMod, long minCreate, long maxCreate) {
    return new RangeRequest(
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
}

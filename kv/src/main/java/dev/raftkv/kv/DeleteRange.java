package dev.raftkv.kv;

import java.util.List;
import java.util.Objects;

/**
 * etcd's {@code DeleteRangeRequest}; {@code key}/{@code rangeEnd} as in {@link Range}.
 *
 * @param prevKv return the deleted keys
 */
public record DeleteRange(byte[] key, byte[] rangeEnd, boolean prevKv) implements RequestOp {
  public DeleteRange {
    Objects.requireNonNull(key, "key");
    rangeEnd = rangeEnd == null ? Bytes.EMPTY : rangeEnd;
  }

  public static DeleteRange key(byte[] key) {
    return new DeleteRange(key, Bytes.EMPTY, false);
  }

  public static DeleteRange range(byte[] key, byte[] rangeEnd) {
    return new DeleteRange(key, rangeEnd, false);
  }

  @Override
  public String toString() {
    return "DeleteRange[" + Bytes.show(key) + ".." + Bytes.show(rangeEnd) + "]";
  }

  /**
   * etcd's {@code DeleteRangeResponse}.
   *
   * @param deleted the number of keys deleted
   * @param prevKvs the deleted keys when asked for, else empty
   */
  public record Result(long revision, long deleted, List<KeyValue> prevKvs) implements Response {
    public Result {
      prevKvs = List.copyOf(prevKvs);
    }
  }
}

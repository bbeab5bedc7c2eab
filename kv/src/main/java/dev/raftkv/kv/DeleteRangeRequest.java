package dev.raftkv.kv;

import java.util.Objects;

/**
 * etcd's {@code DeleteRangeRequest}; {@code key}/{@code rangeEnd} as in {@link RangeRequest}.
 *
 * @param prevKv return the deleted keys
 */
public record DeleteRangeRequest(byte[] key, byte[] rangeEnd, boolean prevKv) implements RequestOp {
  public DeleteRangeRequest {
    Objects.requireNonNull(key, "key");
    rangeEnd = rangeEnd == null ? Bytes.EMPTY : rangeEnd;
  }

  public static DeleteRangeRequest key(byte[] key) {
    return new DeleteRangeRequest(key, Bytes.EMPTY, false);
  }

  public static DeleteRangeRequest range(byte[] key, byte[] rangeEnd) {
    return new DeleteRangeRequest(key, rangeEnd, false);
  }

  @Override
  public String toString() {
    return "DeleteRange[" + Bytes.show(key) + ".." + Bytes.show(rangeEnd) + "]";
  }
}

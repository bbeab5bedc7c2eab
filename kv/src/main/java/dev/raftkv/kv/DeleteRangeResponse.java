package dev.raftkv.kv;

import java.util.List;

/**
 * etcd's {@code DeleteRangeResponse}.
 *
 * @param deleted the number of keys deleted
 * @param prevKvs the deleted keys when asked for, else empty
 */
public record DeleteRangeResponse(long revision, long deleted, List<KeyValue> prevKvs)
    implements Response {
  public DeleteRangeResponse {
    prevKvs = List.copyOf(prevKvs);
  }
}

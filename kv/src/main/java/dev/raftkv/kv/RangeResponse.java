package dev.raftkv.kv;

import java.util.List;

/**
 * etcd's {@code RangeResponse}.
 *
 * @param revision the store's current revision (not the revision read at)
 * @param kvs the keys, empty when count_only
 * @param more whether the limit cut keys off
 * @param count the number of keys in the range (ignoring limit and the min/max filters, as etcd)
 */
public record RangeResponse(long revision, List<KeyValue> kvs, boolean more, long count)
    implements Response {
  public RangeResponse {
    kvs = List.copyOf(kvs);
  }
}

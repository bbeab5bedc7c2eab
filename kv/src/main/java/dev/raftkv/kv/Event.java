package dev.raftkv.kv;

/**
 * One change to one key, as etcd's {@code mvccpb.Event}; what the watch hub will fan out.
 *
 * @param type PUT or DELETE
 * @param kv for a put the new key; for a delete the key with only {@code modRevision} set (the
 *     revision of the delete), as etcd sends it
 * @param prevKv the key before the change, or null when it did not exist
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv) {
  /** etcd's {@code Event.EventType}. */
  public enum Type {
    PUT,
    DELETE
  }
}

package dev.raftkv.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * One version of a key, as etcd's {@code mvccpb.KeyValue}.
 *
 * @param key the user key (never empty)
 * @param createRevision the revision of the put that created the current generation of the key
 * @param modRevision the revision of the last change to the key
 * @param version the number of puts in the current generation (1 after the first put; a delete ends
 *     the generation and the next put starts again at 1)
 * @param value the value; empty (never null) when the read asked for keys only
 * @param lease the lease id attached to the key, 0 for none
 */
public record KeyValue(
    byte[] key, long createRevision, long modRevision, long version, byte[] value, long lease) {

  public KeyValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  /** The same key with an empty value (for keys_only reads). */
  public KeyValue withoutValue() {
    return new KeyValue(key, createRevision, modRevision, version, Bytes.EMPTY, lease);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv
        && createRevision == kv.createRevision
        && modRevision == kv.modRevision
        && version == kv.version
        && lease == kv.lease
        && Arrays.equals(key, kv.key)
        && Arrays.equals(value, kv.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        Arrays.hashCode(key), createRevision, modRevision, version, Arrays.hashCode(value), lease);
  }

  @Override
  public String toString() {
    return "KeyValue["
        + Bytes.show(key)
        + " create="
        + createRevision
        + " mod="
        + modRevision
        + " version="
        + version
        + " value="
        + Bytes.show(value)
        + (lease != 0 ? " lease=" + lease : "")
        + "]";
  }
}

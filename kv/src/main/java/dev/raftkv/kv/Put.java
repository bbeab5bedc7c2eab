package dev.raftkv.kv;

import java.util.Objects;

/**
 * etcd's {@code PutRequest}.
 *
 * @param lease lease id to attach (0: none)
 * @param prevKv return the key as it was before
 * @param ignoreValue keep the current value (the key must exist; {@code value} must be empty)
 * @param ignoreLease keep the current lease (the key must exist; {@code lease} must be 0)
 */
public record Put(
    byte[] key, byte[] value, long lease, boolean prevKv, boolean ignoreValue, boolean ignoreLease)
    implements RequestOp {
  public Put {
    Objects.requireNonNull(key, "key");
    value = value == null ? Bytes.EMPTY : value;
  }

  public static Put of(byte[] key, byte[] value) {
    return new Put(key, value, 0, false, false, false);
  }

  public static Put of(String key, String value) {
    return of(Bytes.of(key), Bytes.of(value));
  }

  @Override
  public String toString() {
    return "Put[" + Bytes.show(key) + "=" + Bytes.show(value) + "]";
  }

  /**
   * etcd's {@code PutResponse}.
   *
   * @param prevKv the key before the put, or null when it did not exist or was not asked for
   */
  public record Result(long revision, KeyValue prevKv) implements Response {}
}

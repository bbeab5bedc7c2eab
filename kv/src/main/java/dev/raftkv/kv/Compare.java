package dev.raftkv.kv;

import java.util.Objects;

/**
 * etcd's {@code Compare}: a guard of a txn. With a {@code rangeEnd} every key in the range must
 * satisfy it. A missing key compares as version, create, mod and lease 0; a value compare on a
 * missing key is false (etcd: "nil == empty string in grpc; no way to represent missing value").
 *
 * @param number the version, create revision, mod revision or lease to compare with
 * @param value the value to compare with (target VALUE)
 */
public record Compare(
    byte[] key, byte[] rangeEnd, Target target, Result result, long number, byte[] value) {

  /** etcd's {@code Compare.CompareTarget}. */
  public enum Target {
    VERSION(0),
    CREATE(1),
    MOD(2),
    VALUE(3),
    LEASE(4);

    private final int code;

    Target(int code) {
      this.code = code;
    }

    /** etcd's number for it, which is also its code in a stored command. */
    public int code() {
      return code;
    }
  }

  /** etcd's {@code Compare.CompareResult}. */
  public enum Result {
    EQUAL(0),
    GREATER(1),
    LESS(2),
    NOT_EQUAL(3);

    private final int code;

    Result(int code) {
      this.code = code;
    }

    /** etcd's number for it, which is also its code in a stored command. */
    public int code() {
      return code;
    }
  }

  public Compare {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(result, "result");
    rangeEnd = rangeEnd == null ? Bytes.EMPTY : rangeEnd;
    value = value == null ? Bytes.EMPTY : value;
  }

  public static Compare version(byte[] key, Result r, long version) {
    return new Compare(key, Bytes.EMPTY, Target.VERSION, r, version, Bytes.EMPTY);
  }

  public static Compare create(byte[] key, Result r, long rev) {
    return new Compare(key, Bytes.EMPTY, Target.CREATE, r, rev, Bytes.EMPTY);
  }

  public static Compare mod(byte[] key, Result r, long rev) {
    return new Compare(key, Bytes.EMPTY, Target.MOD, r, rev, Bytes.EMPTY);
  }

  public static Compare lease(byte[] key, Result r, long lease) {
    return new Compare(key, Bytes.EMPTY, Target.LEASE, r, lease, Bytes.EMPTY);
  }

  public static Compare value(byte[] key, Result r, byte[] value) {
    return new Compare(key, Bytes.EMPTY, Target.VALUE, r, 0, value);
  }

  /** Whether {@code kv} (a present key) satisfies this compare. */
  boolean test(KeyValue kv) {
    int c =
        switch (target) {
          case VERSION -> Long.compare(kv.version(), number);
          case CREATE -> Long.compare(kv.createRevision(), number);
          case MOD -> Long.compare(kv.modRevision(), number);
          case LEASE -> Long.compare(kv.lease(), number);
          case VALUE -> Bytes.compare(kv.value(), value);
        };
    return switch (result) {
      case EQUAL -> c == 0;
      case NOT_EQUAL -> c != 0;
      case GREATER -> c > 0;
      case LESS -> c < 0;
    };
  }
}

package dev.raftkv.kv;

import java.util.Arrays;

/**
 * One key permission of a role (etcd's {@code authpb.Permission}): {@code type} over one key (an
 * empty {@code rangeEnd}), the range {@code [key, rangeEnd)}, or every key from {@code key} on (a
 * {@code rangeEnd} of one zero byte, etcd's "\0"); a prefix is the range up to the prefix's end.
 * Two permissions are equal when their type, key and range end are.
 *
 * @param type what it allows
 * @param key the first key (never null)
 * @param rangeEnd the end, exclusive (never null; empty for one key)
 */
public record Permission(Type type, byte[] key, byte[] rangeEnd) {
  /** etcd's permission types, with their protobuf numbers as explicit codes. */
  public enum Type {
    READ(0),
    WRITE(1),
    READWRITE(2);

    private final int code;

    Type(int code) {
      this.code = code;
    }

    /** etcd's number for it; the stored code. */
    public int code() {
      return code;
    }

    /** The type whose code is {@code code}. */
    public static Type ofCode(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      throw new IllegalArgumentException("unknown permission type " + code);
    }

    /** Whether a permission of this type allows an access of type {@code need}. */
    boolean allows(Type need) {
      return this == READWRITE || this == need;
    }
  }

  public Permission {
    if (type == null || key == null) {
      throw new IllegalArgumentException("a permission needs a type and a key");
    }
    if (rangeEnd == null) {
      rangeEnd = Bytes.EMPTY;
    }
  }

  /** Whether this is the permission over exactly {@code key} and {@code rangeEnd}. */
  public boolean sameRange(byte[] key, byte[] rangeEnd) {
    return Arrays.equals(this.key, key)
        && Arrays.equals(this.rangeEnd, rangeEnd == null ? Bytes.EMPTY : rangeEnd);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Permission p && p.type == type && sameRange(p.key, p.rangeEnd);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * type.hashCode() + Arrays.hashCode(key)) + Arrays.hashCode(rangeEnd);
  }

  @Override
  public String toString() {
    return "Permission[" + type + " " + Bytes.show(key) + " " + Bytes.show(rangeEnd) + "]";
  }
}

package dev.raftkv.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Byte-string helpers for etcd's key conventions. */
public final class Bytes {
  /** The empty byte string. */
  public static final byte[] EMPTY = new byte[0];

  /** etcd's "from key" range end: a single zero byte means every key {@code >= key}. */
  // A marker passed around and compared by content throughout kv, server and cli; nothing writes
  // into it. Hiding it behind a copying accessor would allocate on every range request.
  @SuppressWarnings("MutablePublicArray")
  public static final byte[] FROM_KEY = {0};

  private Bytes() {}

  /** UTF-8 bytes of {@code s}. */
  public static byte[] of(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The range end that selects every key starting with {@code prefix} (etcd's {@code
   * GetPrefixRangeEnd}): the prefix with its last byte below 0xff incremented and the bytes after
   * it dropped; {@link #FROM_KEY} when the prefix is all 0xff bytes (or empty).
   */
  public static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xff) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return FROM_KEY.clone();
  }

  /** Unsigned lexicographic comparison, as etcd compares keys and values. */
  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  static String show(byte[] b) {
    if (b == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    for (byte x : b) {
      int c = x & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02x", c));
      }
    }
    return sb.append('"').toString();
  }
}

package dev.raftkv.kv;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.rocksdb.RocksIterator;

/**
 * The byte layout of the RocksDB column families (see docs/kv.md).
 *
 * <p>{@code kv} keys are {@code group(userKey) ++ ~main ++ ~sub}: the group is the user key with
 * each 0x00 escaped as 0x00 0xff and terminated by 0x00 0x01, so groups sort exactly as the user
 * keys do and no group is a prefix of another; the revision is bit-inverted big-endian so that the
 * newest version of a key comes first within its group.
 */
final class Codec {
  static final byte PUT = 1;
  static final byte TOMBSTONE = 2;

  /** Length of the revision suffix of a {@code kv} key. */
  static final int REV_LEN = 16;

  static final byte[] META_APPLIED_INDEX = Bytes.of("applied_index");
  static final byte[] META_REVISION = Bytes.of("revision");
  static final byte[] META_COMPACTED = Bytes.of("compacted_revision");

  /** How far the background compactor got (absent in stores older than it: all the way). */
  static final byte[] META_COMPACTED_PHYSICALLY = Bytes.of("compacted_physically");

  /** The layout version in {@code meta}; a store with another one is refused at open. */
  static final byte[] META_FORMAT = Bytes.of("format_version");

  static final long FORMAT_VERSION = 1;

  private Codec() {}

  /** The group prefix of {@code userKey} in the {@code kv} family. */
  static byte[] group(byte[] userKey) {
    int zeros = 0;
    for (byte b : userKey) {
      if (b == 0) {
        zeros++;
      }
    }
    byte[] out = new byte[userKey.length + zeros + 2];
    if (zeros == 0) {
      System.arraycopy(userKey, 0, out, 0, userKey.length);
    } else {
      int j = 0;
      for (byte b : userKey) {
        out[j++] = b;
        if (b == 0) {
          out[j++] = (byte) 0xff;
        }
      }
    }
    out[out.length - 2] = 0;
    out[out.length - 1] = 1;
    return out;
  }

  /** The length of the group prefix at the start of a {@code kv} key. */
  static int groupLength(byte[] kvKey) {
    for (int i = 0; i < kvKey.length - 1; i++) {
      if (kvKey[i] == 0) {
        if (kvKey[i + 1] == 1) {
          return i + 2;
        }
        i++; // skip the escape byte 0xff
      }
    }
    throw new IllegalStateException("corrupt kv key: no group terminator");
  }

  /** The user key of a {@code kv} key. */
  static byte[] userKey(byte[] kvKey) {
    int end = groupLength(kvKey) - 2;
    int zeros = 0;
    for (int i = 0; i < end; i++) {
      if (kvKey[i] == 0) {
        zeros++;
        i++; // the escape byte 0xff
      }
    }
    if (zeros == 0) {
      return Arrays.copyOf(kvKey, end);
    }
    byte[] out = new byte[end - zeros];
    int j = 0;
    for (int i = 0; i < end; i++) {
      out[j++] = kvKey[i];
      if (kvKey[i] == 0) {
        i++;
      }
    }
    return out;
  }

  /** {@code group ++ ~main ++ ~sub}. */
  static byte[] kvKey(byte[] group, long main, long sub) {
    return ByteBuffer.allocate(group.length + REV_LEN)
        .put(group)
        .putLong(~main)
        .putLong(~sub)
        .array();
  }

  /** The first key of {@code group} whose main revision is {@code <= main}. */
  static byte[] seekAtOrBelow(byte[] group, long main) {
    return ByteBuffer.allocate(group.length + REV_LEN).put(group).putLong(~main).putLong(0).array();
  }

  /** A key after every key of {@code group} and before the next group. */
  static byte[] afterGroup(byte[] group) {
    byte[] k = Arrays.copyOf(group, group.length + REV_LEN);
    Arrays.fill(k, group.length, k.length, (byte) 0xff);
    return k;
  }

  static long mainOf(byte[] kvKey) {
    return ~ByteBuffer.wrap(kvKey, kvKey.length - REV_LEN, 8).getLong();
  }

  static long subOf(byte[] kvKey) {
    return ~ByteBuffer.wrap(kvKey, kvKey.length - 8, 8).getLong();
  }

  /**
   * The {@code kv} key {@code it} is at when it is a record of {@code group}, else null. Reads at
   * most {@code group.length + REV_LEN} bytes of the key: a seek for a key that is absent lands on
   * the next key in order, which may be of any size (up to a request's), and must not be copied
   * whole just to learn it is another key's.
   */
  static byte[] keyInGroup(RocksIterator it, byte[] group) {
    byte[] k = new byte[group.length + REV_LEN];
    int size = it.key(k, 0, k.length);
    return size == k.length && Arrays.equals(k, 0, group.length, group, 0, group.length) ? k : null;
  }

  /**
   * The key {@code it} is at when it sorts before {@code upper} (unsigned), else null. Reads at
   * most {@code upper.length} bytes of a key that does not (see {@link #keyInGroup}); a key that
   * does is returned whole.
   */
  static byte[] keyBelow(RocksIterator it, byte[] upper) {
    byte[] head = new byte[upper.length];
    int size = it.key(head, 0, head.length);
    if (Arrays.compareUnsigned(head, 0, Math.min(size, head.length), upper, 0, upper.length) >= 0) {
      return null;
    }
    return size == head.length ? head : size < head.length ? Arrays.copyOf(head, size) : it.key();
  }

  static boolean startsWith(byte[] b, byte[] prefix) {
    return b.length >= prefix.length
        && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** A {@code kv} value for a put: {@code PUT ++ create ++ version ++ lease ++ value}. */
  static byte[] putValue(long create, long version, long lease, byte[] value) {
    return ByteBuffer.allocate(1 + 24 + value.length)
        .put(PUT)
        .putLong(create)
        .putLong(version)
        .putLong(lease)
        .put(value)
        .array();
  }

  static byte[] tombstoneValue() {
    return new byte[] {TOMBSTONE};
  }

  static boolean isTombstone(byte[] kvValue) {
    return kvValue[0] == TOMBSTONE;
  }

  /** The user's value in a {@code kv} put record. */
  static byte[] putValueBytes(byte[] kvValue) {
    return Arrays.copyOfRange(kvValue, 25, kvValue.length);
  }

  /** Decodes a {@code kv} entry that is a put. */
  static KeyValue decode(byte[] kvKey, byte[] kvValue, boolean keysOnly) {
    if (kvValue[0] != PUT) {
      throw new IllegalStateException("not a put record");
    }
    ByteBuffer v = ByteBuffer.wrap(kvValue, 1, kvValue.length - 1);
    long create = v.getLong();
    long version = v.getLong();
    long lease = v.getLong();
    byte[] value = keysOnly ? Bytes.EMPTY : putValueBytes(kvValue);
    return new KeyValue(userKey(kvKey), create, mainOf(kvKey), version, value, lease);
  }

  /** A {@code rev} key: {@code main ++ sub}, big-endian. */
  static byte[] revKey(long main, long sub) {
    return ByteBuffer.allocate(16).putLong(main).putLong(sub).array();
  }

  static long revKeyMain(byte[] revKey) {
    return ByteBuffer.wrap(revKey).getLong();
  }

  static long revKeySub(byte[] revKey) {
    return ByteBuffer.wrap(revKey, 8, 8).getLong();
  }

  /** A {@code rev} value: {@code PUT|TOMBSTONE ++ userKey}. */
  static byte[] revValue(byte type, byte[] userKey) {
    return ByteBuffer.allocate(1 + userKey.length).put(type).put(userKey).array();
  }

  /** A {@code lease} key: {@code leaseId ++ userKey}. */
  static byte[] leaseKey(long lease, byte[] userKey) {
    return ByteBuffer.allocate(8 + userKey.length).putLong(lease).put(userKey).array();
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long toLong(byte[] b, long ifAbsent) {
    return b == null ? ifAbsent : ByteBuffer.wrap(b).getLong();
  }
}

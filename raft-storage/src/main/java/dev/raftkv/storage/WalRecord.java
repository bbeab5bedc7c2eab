package dev.raftkv.storage;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.HardState;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The WAL record framing. Every record is a 16-byte header followed by its payload; all integers
 * are big-endian:
 *
 * <pre>
 *   0  u32 payload length
 *   4  u8  type (1 entry, 2 hard state, 3 membership, 4 snapshot mark)
 *   5  u8[3] zero
 *   8  u32 CRC32C of the payload
 *  12  u32 CRC32C of bytes 0..11 (the header check, so a header can be validated alone)
 *  16  payload
 * </pre>
 *
 * <p>Payloads: entry = term u64, index u64, entry type u8 ({@link EntryType#code()}: 0 normal, 1
 * membership change), data; hard state = term u64, vote u64, commit u64; membership = voter count
 * u32, voters u64..., learner count u32, learners u64...; snapshot mark = index u64, term u64 (the
 * log was replaced by a snapshot at that position).
 */
final class WalRecord {
  static final int HEADER = 16;
  static final byte ENTRY = 1;
  static final byte HARD_STATE = 2;
  static final byte CONF = 3;
  static final byte SNAPSHOT = 4;

  private WalRecord() {}

  static ByteBuffer entry(Entry e) {
    ByteBuffer b = header(17 + e.data().length, ENTRY);
    b.putLong(e.term()).putLong(e.index()).put((byte) e.type().code()).put(e.data());
    return seal(b);
  }

  static ByteBuffer hardState(HardState hs) {
    ByteBuffer b = header(24, HARD_STATE);
    b.putLong(hs.term()).putLong(hs.vote()).putLong(hs.commit());
    return seal(b);
  }

  static ByteBuffer conf(ConfState c) {
    ByteBuffer b = header(8 + 8 * (c.voters().size() + c.learners().size()), CONF);
    b.putInt(c.voters().size());
    for (long v : c.voters()) {
      b.putLong(v);
    }
    b.putInt(c.learners().size());
    for (long l : c.learners()) {
      b.putLong(l);
    }
    return seal(b);
  }

  static ByteBuffer snapshotMark(long index, long term) {
    ByteBuffer b = header(16, SNAPSHOT);
    b.putLong(index).putLong(term);
    return seal(b);
  }

  private static ByteBuffer header(int payload, byte type) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + payload);
    b.putInt(payload).put(type).put((byte) 0).putShort((short) 0).putInt(0).putInt(0);
    return b;
  }

  private static ByteBuffer seal(ByteBuffer b) {
    CRC32C crc = new CRC32C();
    crc.update(b.array(), b.arrayOffset() + HEADER, b.capacity() - HEADER);
    b.putInt(8, (int) crc.getValue());
    crc.reset();
    crc.update(b.array(), b.arrayOffset(), 12);
    b.putInt(12, (int) crc.getValue());
    return b.flip();
  }

  /** The record type of an encoded record. */
  static byte typeOf(ByteBuffer rec) {
    return rec.get(rec.position() + 4);
  }

  /**
   * Whether a valid record header starts at {@code off} in {@code buf[0, limit)}: header check
   * matches and the payload fits. Says nothing about the payload.
   */
  static boolean validHeader(byte[] buf, int off, int limit, CRC32C crc) {
    if (off + HEADER > limit) {
      return false;
    }
    byte type = buf[off + 4];
    if (type < ENTRY || type > SNAPSHOT || buf[off + 5] != 0 || buf[off + 6] != 0) {
      return false;
    }
    crc.reset();
    crc.update(buf, off, 12);
    if ((int) crc.getValue() != getInt(buf, off + 12)) {
      return false;
    }
    long len = getInt(buf, off) & 0xffffffffL;
    return off + HEADER + len <= limit;
  }

  /** Whether a whole valid record (header and payload) starts at {@code off}. */
  static boolean validRecord(byte[] buf, int off, int limit, CRC32C crc) {
    if (!validHeader(buf, off, limit, crc)) {
      return false;
    }
    int len = getInt(buf, off);
    crc.reset();
    crc.update(buf, off + HEADER, len);
    return (int) crc.getValue() == getInt(buf, off + 8);
  }

  static int payloadLength(byte[] buf, int off) {
    return getInt(buf, off);
  }

  static Entry decodeEntry(ByteBuffer p) {
    long term = p.getLong();
    long index = p.getLong();
    EntryType type = EntryType.ofCode(p.get());
    byte[] data = new byte[p.remaining()];
    p.get(data);
    return new Entry(term, index, type, data);
  }

  static HardState decodeHardState(ByteBuffer p) {
    return new HardState(p.getLong(), p.getLong(), p.getLong());
  }

  static ConfState decodeConf(ByteBuffer p) {
    Set<Long> voters = new HashSet<>();
    for (int n = p.getInt(); n > 0; n--) {
      voters.add(p.getLong());
    }
    Set<Long> learners = new HashSet<>();
    for (int n = p.getInt(); n > 0; n--) {
      learners.add(p.getLong());
    }
    return new ConfState(voters, learners);
  }

  static int getInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24)
        | ((b[off + 1] & 0xff) << 16)
        | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }
}

package dev.raftkv.transport;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.SnapshotMetadata;
import java.net.InetSocketAddress;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The peer wire format: one self-checking frame per message.
 *
 * <pre>
 * frame   = length:u32  version:u8  tag:u8  payload  crc:u32      (big-endian)
 * length  = number of bytes after the length field (version .. crc)
 * crc     = CRC32C over version, tag and payload
 * payload = fields in record order; every long is an unsigned LEB128 varint (1 byte for
 *           values below 128, 10 for negative values), booleans are packed into one flags
 *           byte, byte arrays and lists are a varint count followed by their elements
 * entry   = term index type:u8 dataLength data
 * </pre>
 *
 * <p>Tags 1..12 are the {@link Message} types in the order of the {@code permits} clause; tags
 * 0x70/0x71 are the connection {@link Handshake}. A frame larger than {@link #maxFrameBytes()}
 * (counting the length field) is refused on both sides, before it is written or read.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class MessageCodec {

  /** The version byte this build writes and the only one it reads. */
  public static final byte VERSION = 1;

  /** Default largest frame, length field included: 16 MiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;

  /** Length field, version, tag, CRC: the size of a frame with an empty payload. */
  public static final int MIN_FRAME_BYTES = 4 + 1 + 1 + 4;

  static final byte VOTE_REQUEST = 1;
  static final byte VOTE_RESPONSE = 2;
  static final byte APPEND_REQUEST = 3;
  static final byte APPEND_RESPONSE = 4;
  static final byte HEARTBEAT = 5;
  static final byte HEARTBEAT_RESPONSE = 6;
  static final byte PROPOSE = 7;
  static final byte TIMEOUT_NOW = 8;
  static final byte READ_INDEX_REQUEST = 9;
  static final byte READ_INDEX_RESPONSE = 10;
  static final byte INSTALL_SNAPSHOT = 11;
  static final byte SNAPSHOT_RESPONSE = 12;
  static final byte HELLO = 0x70;
  static final byte HELLO_REPLY = 0x71;
  static final byte CLUSTER_QUERY = 0x72;
  static final byte CLUSTER_INFO = 0x73;

  private static final int FLAG_A = 1;
  private static final int FLAG_B = 2;

  private final int maxFrameBytes;

  /** A codec with the default 16 MiB frame limit. */
  public MessageCodec() {
    this(DEFAULT_MAX_FRAME_BYTES);
  }

  /**
   * A codec that refuses frames larger than {@code maxFrameBytes}, length field included.
   *
   * @throws IllegalArgumentException if the limit is below {@link #MIN_FRAME_BYTES}
   */
  public MessageCodec(int maxFrameBytes) {
    if (maxFrameBytes < MIN_FRAME_BYTES) {
      throw new IllegalArgumentException(
          "maxFrameBytes must be at least " + MIN_FRAME_BYTES + ", got " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** The largest frame this codec writes or reads, length field included. */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Encodes one message as a complete frame.
   *
   * @throws CodecException with {@link CodecException.Reason#FRAME_TOO_LARGE} if the frame would
   *     exceed {@link #maxFrameBytes()}; nothing else is thrown for a valid message
   */
  public byte[] encode(Message message) {
    return write(message).exact();
  }

  /**
   * Encodes one message as a complete frame in a heap buffer, from position 0 to its limit: the
   * writer's own array, not copied to an exact-size one as {@link #encode} does (a frame of many
   * entries is then written once, not twice). The buffer is the caller's.
   *
   * @throws CodecException as {@link #encode}
   */
  public ByteBuffer encodeToBuffer(Message message) {
    return write(message).buffer();
  }

  private Writer write(Message message) {
    Writer w = new Writer(estimateSize(message));
    if (message instanceof Message.VoteRequest m) {
      w.begin(VOTE_REQUEST, m);
      w.varlong(m.lastLogIndex()).varlong(m.lastLogTerm()).flags(m.preVote(), m.transfer());
    } else if (message instanceof Message.VoteResponse m) {
      w.begin(VOTE_RESPONSE, m).flags(m.preVote(), m.granted());
    } else if (message instanceof Message.AppendRequest m) {
      w.begin(APPEND_REQUEST, m).varlong(m.prevIndex()).varlong(m.prevTerm());
      w.entries(m.entries()).varlong(m.commit());
    } else if (message instanceof Message.AppendResponse m) {
      w.begin(APPEND_RESPONSE, m).varlong(m.index()).flags(m.reject(), false);
      w.varlong(m.hintIndex()).varlong(m.hintTerm());
    } else if (message instanceof Message.Heartbeat m) {
      w.begin(HEARTBEAT, m).varlong(m.commit()).varlong(m.context());
    } else if (message instanceof Message.HeartbeatResponse m) {
      w.begin(HEARTBEAT_RESPONSE, m).varlong(m.context());
    } else if (message instanceof Message.Propose m) {
      w.begin(PROPOSE, m).entries(m.entries());
    } else if (message instanceof Message.TimeoutNow m) {
      w.begin(TIMEOUT_NOW, m);
    } else if (message instanceof Message.ReadIndexRequest m) {
      w.begin(READ_INDEX_REQUEST, m).varlong(m.requestId());
    } else if (message instanceof Message.ReadIndexResponse m) {
      w.begin(READ_INDEX_RESPONSE, m).varlong(m.requestId()).varlong(m.index());
    } else if (message instanceof Message.InstallSnapshot m) {
      w.begin(INSTALL_SNAPSHOT, m).metadata(m.metadata()).varlong(m.offset());
      w.bytes(m.data()).flags(m.last(), false);
    } else if (message instanceof Message.SnapshotResponse m) {
      w.begin(SNAPSHOT_RESPONSE, m).varlong(m.snapshotIndex()).varlong(m.nextOffset());
      w.flags(m.done(), false);
    } else {
      // Unreachable while every permitted subtype has a branch above (a test checks that).
      throw new IllegalArgumentException("no wire format for " + message.getClass());
    }
    return w.finish(maxFrameBytes, message.getClass().getSimpleName());
  }

  /**
   * Decodes the frame starting at the buffer's position and moves the position past it.
   *
   * @throws CodecException if the bytes are not one complete, valid message frame; the buffer's
   *     position is then unspecified
   */
  public Message decode(ByteBuffer buffer) {
    Object frame = decodeFrame(buffer);
    if (frame instanceof Message m) {
      return m;
    }
    throw new CodecException(
        CodecException.Reason.MALFORMED,
        "handshake frame where a Raft message was expected: " + frame);
  }

  /** Encodes the connecting side's handshake. */
  byte[] encodeHello(Handshake.Hello hello) {
    Writer w = new Writer(64);
    w.beginFrame(HELLO);
    w.u32(Handshake.MAGIC).varlong(hello.clusterId()).varlong(hello.from()).varlong(hello.to());
    if (hello.address() != null) {
      // Optional trailing field: a Hello that ends after "to" (older builds) still decodes.
      w.bytes(hello.address().getHostString().getBytes(StandardCharsets.UTF_8))
          .varlong(hello.address().getPort());
    }
    return w.finish(maxFrameBytes, "Hello").exact();
  }

  /** Encodes the accepting side's answer. */
  byte[] encodeReply(Handshake.Reply reply) {
    byte[] detail = reply.detail().getBytes(StandardCharsets.UTF_8);
    Writer w = new Writer(32 + detail.length);
    w.beginFrame(HELLO_REPLY);
    w.u8(reply.status().code()).bytes(detail);
    return w.finish(maxFrameBytes, "Reply").exact();
  }

  /** Encodes a joining member's question for the cluster's description ({@link ClusterInfo}). */
  byte[] encodeQuery() {
    Writer w = new Writer(16);
    w.beginFrame(CLUSTER_QUERY);
    w.u32(Handshake.MAGIC);
    return w.finish(maxFrameBytes, "ClusterQuery").exact();
  }

  /** Encodes a running member's answer to {@link #encodeQuery}. */
  byte[] encodeClusterInfo(ClusterInfo info) {
    Writer w = new Writer(32 + info.info().length);
    w.beginFrame(CLUSTER_INFO);
    w.varlong(info.clusterId()).bytes(info.info());
    return w.finish(maxFrameBytes, "ClusterInfo").exact();
  }

  /**
   * Decodes one frame of any kind: a {@link Message}, a {@link Handshake.Hello}, a {@link
   * Handshake.Reply}, a {@link ClusterInfo.Query} or a {@link ClusterInfo}.
   */
  Object decodeFrame(ByteBuffer buffer) {
    ByteBuffer in = buffer.slice().order(ByteOrder.BIG_ENDIAN);
    if (in.remaining() < 4) {
      throw new CodecException(
          CodecException.Reason.TRUNCATED,
          "truncated frame: " + in.remaining() + " bytes, not even a length field");
    }
    int length = in.getInt();
    checkLength(length, maxFrameBytes);
    if (in.remaining() < length) {
      throw new CodecException(
          CodecException.Reason.TRUNCATED,
          "truncated frame: length field says " + length + " bytes, " + in.remaining() + " follow");
    }
    int bodyStart = 4;
    int crcAt = bodyStart + length - 4;
    CRC32C crc = new CRC32C();
    ByteBuffer covered = in.duplicate().position(bodyStart).limit(crcAt);
    crc.update(covered);
    int expected = in.getInt(crcAt);
    if ((int) crc.getValue() != expected) {
      throw new CodecException(
          CodecException.Reason.BAD_CRC,
          String.format(
              "bad CRC32C on a %d-byte frame: computed %08x, frame says %08x",
              length + 4, (int) crc.getValue(), expected));
    }
    byte version = in.get();
    if (version != VERSION) {
      throw new CodecException(
          CodecException.Reason.BAD_VERSION,
          "unsupported frame version " + (version & 0xff) + " (this build speaks " + VERSION + ")");
    }
    byte tag = in.get();
    Reader r = new Reader(in.limit(crcAt), tag);
    Object result;
    try {
      result = decodePayload(r, tag);
    } catch (BufferUnderflowException e) {
      throw new CodecException(
          CodecException.Reason.TRUNCATED,
          "truncated "
              + r.typeName()
              + " frame: its fields need more than its "
              + length
              + " bytes");
    } catch (IllegalArgumentException | NullPointerException e) {
      // Record constructors validate (positive member ids, non-negative snapshot positions).
      throw new CodecException(
          CodecException.Reason.MALFORMED, "invalid " + r.typeName() + " frame: " + e.getMessage());
    }
    if (in.position() != crcAt) {
      throw new CodecException(
          CodecException.Reason.MALFORMED,
          r.typeName() + " frame has " + (crcAt - in.position()) + " unread bytes before its CRC");
    }
    buffer.position(buffer.position() + 4 + length);
    return result;
  }

  /** Checks a frame's length field (bytes after it) against the limit, before reading the rest. */
  static void checkLength(int length, int maxFrameBytes) {
    if (length < 0 || length > maxFrameBytes - 4) {
      throw new CodecException(
          CodecException.Reason.FRAME_TOO_LARGE,
          "frame too large: "
              + (Integer.toUnsignedLong(length) + 4)
              + " bytes, the limit is "
              + maxFrameBytes);
    }
    if (length < MIN_FRAME_BYTES - 4) {
      throw new CodecException(
          CodecException.Reason.TRUNCATED,
          "truncated frame: length field says " + length + ", at least 6 are needed");
    }
  }

  private static Object decodePayload(Reader r, byte tag) {
    switch (tag) {
      case VOTE_REQUEST -> {
        long from = r.varlong(), to = r.varlong(), term = r.varlong();
        long lastIndex = r.varlong(), lastTerm = r.varlong();
        int f = r.flags();
        return new Message.VoteRequest(
            from, to, term, lastIndex, lastTerm, (f & FLAG_A) != 0, (f & FLAG_B) != 0);
      }
      case VOTE_RESPONSE -> {
        long from = r.varlong(), to = r.varlong(), term = r.varlong();
        int f = r.flags();
        return new Message.VoteResponse(from, to, term, (f & FLAG_A) != 0, (f & FLAG_B) != 0);
      }
      case APPEND_REQUEST -> {
        long from = r.varlong(), to = r.varlong(), term = r.varlong();
        long prevIndex = r.varlong(), prevTerm = r.varlong();
        List<Entry> entries = r.entries();
        return new Message.AppendRequest(from, to, term, prevIndex, prevTerm, entries, r.varlong());
      }
      case APPEND_RESPONSE -> {
        long from = r.varlong(), to = r.varlong(), term = r.varlong();
        long index = r.varlong();
        int f = r.flags();
        return new Message.AppendResponse(
            from, to, term, index, (f & FLAG_A) != 0, r.varlong(), r.varlong());
      }
      case HEARTBEAT -> {
        return new Message.Heartbeat(
            r.varlong(), r.varlong(), r.varlong(), r.varlong(), r.varlong());
      }
      case HEARTBEAT_RESPONSE -> {
        return new Message.HeartbeatResponse(r.varlong(), r.varlong(), r.varlong(), r.varlong());
      }
      case PROPOSE -> {
        return new Message.Propose(r.varlong(), r.varlong(), r.varlong(), r.entries());
      }
      case TIMEOUT_NOW -> {
        return new Message.TimeoutNow(r.varlong(), r.varlong(), r.varlong());
      }
      case READ_INDEX_REQUEST -> {
        return new Message.ReadIndexRequest(r.varlong(), r.varlong(), r.varlong(), r.varlong());
      }
      case READ_INDEX_RESPONSE -> {
        return new Message.ReadIndexResponse(
            r.varlong(), r.varlong(), r.varlong(), r.varlong(), r.varlong());
      }
      case INSTALL_SNAPSHOT -> {
        long from = r.varlong(), to = r.varlong(), term = r.varlong();
        SnapshotMetadata metadata = r.metadata();
        long offset = r.varlong();
        byte[] data = r.bytes();
        int f = r.flags();
        return new Message.InstallSnapshot(
            from, to, term, metadata, offset, data, (f & FLAG_A) != 0);
      }
      case SNAPSHOT_RESPONSE -> {
        long from = r.varlong(), to = r.varlong(), term = r.varlong();
        long snapshotIndex = r.varlong(), nextOffset = r.varlong();
        int f = r.flags();
        return new Message.SnapshotResponse(
            from, to, term, snapshotIndex, nextOffset, (f & FLAG_A) != 0);
      }
      case HELLO -> {
        int magic = r.u32();
        if (magic != Handshake.MAGIC) {
          throw new CodecException(
              CodecException.Reason.MALFORMED,
              String.format(
                  "bad handshake magic %08x (expected %08x): not a raftkv peer",
                  magic, Handshake.MAGIC));
        }
        long cluster = r.varlong(), from = r.varlong(), to = r.varlong();
        InetSocketAddress address = null;
        if (r.hasMore()) {
          String host = new String(r.bytes(), StandardCharsets.UTF_8);
          long port = r.varlong();
          if (host.isEmpty() || port < 1 || port > 0xFFFF) {
            throw new CodecException(
                CodecException.Reason.MALFORMED,
                "handshake Hello advertises an invalid address '" + host + "' port " + port);
          }
          address = InetSocketAddress.createUnresolved(host, (int) port);
        }
        return new Handshake.Hello(cluster, from, to, address);
      }
      case HELLO_REPLY -> {
        Handshake.Status status = Handshake.Status.of(r.u8());
        return new Handshake.Reply(status, new String(r.bytes(), StandardCharsets.UTF_8));
      }
      case CLUSTER_QUERY -> {
        int magic = r.u32();
        if (magic != Handshake.MAGIC) {
          throw new CodecException(
              CodecException.Reason.MALFORMED,
              String.format(
                  "bad cluster query magic %08x (expected %08x): not a raftkv peer",
                  magic, Handshake.MAGIC));
        }
        return new ClusterInfo.Query();
      }
      case CLUSTER_INFO -> {
        return new ClusterInfo(r.varlong(), r.bytes());
      }
      default ->
          throw new CodecException(
              CodecException.Reason.UNKNOWN_TAG,
              "unknown frame tag " + (tag & 0xff) + " (a newer peer, or a corrupt stream)");
    }
  }

  /**
   * The size a message's frame buffer starts at: its entries' or snapshot data plus slack. Also
   * what {@link TcpTransport} counts against a peer's queue bytes.
   */
  static int estimateSize(Message message) {
    long size = 64;
    if (message instanceof Message.AppendRequest m) {
      size += entriesSize(m.entries());
    } else if (message instanceof Message.Propose m) {
      size += entriesSize(m.entries());
    } else if (message instanceof Message.InstallSnapshot m) {
      ConfState conf = m.metadata().conf();
      size += m.data().length + 10L * (conf.voters().size() + conf.learners().size());
    }
    return (int) Math.min(size, Integer.MAX_VALUE - 64);
  }

  private static long entriesSize(List<Entry> entries) {
    long size = 0;
    for (Entry e : entries) {
      size += e.data().length + 32L;
    }
    return size;
  }

  /** A growable big-endian buffer that writes one frame. */
  private static final class Writer {
    private byte[] buf;
    private int pos;

    Writer(int capacity) {
      buf = new byte[Math.max(capacity, MIN_FRAME_BYTES)];
    }

    Writer beginFrame(byte tag) {
      pos = 4; // the length field is filled in by finish()
      buf[pos++] = VERSION;
      buf[pos++] = tag;
      return this;
    }

    Writer begin(byte tag, Message m) {
      return beginFrame(tag).varlong(m.from()).varlong(m.to()).varlong(m.term());
    }

    /** Closes the frame (CRC32C, length); then {@link #exact} or {@link #buffer} has it. */
    Writer finish(int maxFrameBytes, String what) {
      CRC32C crc = new CRC32C();
      crc.update(buf, 4, pos - 4);
      u32((int) crc.getValue());
      if (pos > maxFrameBytes) {
        throw new CodecException(
            CodecException.Reason.FRAME_TOO_LARGE,
            "frame too large: "
                + what
                + " encodes to "
                + pos
                + " bytes, the limit is "
                + maxFrameBytes);
      }
      int length = pos - 4;
      buf[0] = (byte) (length >>> 24);
      buf[1] = (byte) (length >>> 16);
      buf[2] = (byte) (length >>> 8);
      buf[3] = (byte) length;
      return this;
    }

    /** The finished frame in an array of its own length (a copy unless the estimate was exact). */
    byte[] exact() {
      return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
    }

    /** The finished frame over the writer's array, without a copy. */
    ByteBuffer buffer() {
      return ByteBuffer.wrap(buf, 0, pos);
    }

    private void ensure(long extra) {
      long needed = pos + extra;
      if (needed > buf.length) {
        if (needed > Integer.MAX_VALUE - 16) {
          throw new CodecException(
              CodecException.Reason.FRAME_TOO_LARGE, "frame too large: over 2 GiB");
        }
        buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(2L * buf.length, 1L << 30)));
      }
    }

    Writer u8(int v) {
      ensure(1);
      buf[pos++] = (byte) v;
      return this;
    }

    Writer u32(int v) {
      ensure(4);
      buf[pos++] = (byte) (v >>> 24);
      buf[pos++] = (byte) (v >>> 16);
      buf[pos++] = (byte) (v >>> 8);
      buf[pos++] = (byte) v;
      return this;
    }

    Writer varlong(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
      return this;
    }

    Writer flags(boolean a, boolean b) {
      return u8((a ? FLAG_A : 0) | (b ? FLAG_B : 0));
    }

    Writer bytes(byte[] data) {
      varlong(data.length);
      ensure(data.length);
      System.arraycopy(data, 0, buf, pos, data.length);
      pos += data.length;
      return this;
    }

    Writer entries(List<Entry> entries) {
      varlong(entries.size());
      for (Entry e : entries) {
        varlong(e.term()).varlong(e.index()).u8(e.type().code()).bytes(e.data());
      }
      return this;
    }

    Writer ids(Set<Long> ids) {
      varlong(ids.size());
      for (long id : ids) {
        varlong(id);
      }
      return this;
    }

    Writer metadata(SnapshotMetadata m) {
      return varlong(m.index()).varlong(m.term()).ids(m.conf().voters()).ids(m.conf().learners());
    }
  }

  /** Reads one frame's payload; running past its end throws BufferUnderflowException. */
  private static final class Reader {
    private final ByteBuffer in;
    private final byte tag;

    Reader(ByteBuffer in, byte tag) {
      this.in = in;
      this.tag = tag;
    }

    String typeName() {
      return switch (tag) {
        case VOTE_REQUEST -> "VoteRequest";
        case VOTE_RESPONSE -> "VoteResponse";
        case APPEND_REQUEST -> "AppendRequest";
        case APPEND_RESPONSE -> "AppendResponse";
        case HEARTBEAT -> "Heartbeat";
        case HEARTBEAT_RESPONSE -> "HeartbeatResponse";
        case PROPOSE -> "Propose";
        case TIMEOUT_NOW -> "TimeoutNow";
        case READ_INDEX_REQUEST -> "ReadIndexRequest";
        case READ_INDEX_RESPONSE -> "ReadIndexResponse";
        case INSTALL_SNAPSHOT -> "InstallSnapshot";
        case SNAPSHOT_RESPONSE -> "SnapshotResponse";
        case HELLO -> "handshake Hello";
        case HELLO_REPLY -> "handshake Reply";
        case CLUSTER_QUERY -> "ClusterQuery";
        case CLUSTER_INFO -> "ClusterInfo";
        default -> "tag-" + (tag & 0xff);
      };
    }

    int u8() {
      return in.get() & 0xff;
    }

    /** Whether payload bytes remain (for optional trailing fields). */
    boolean hasMore() {
      return in.hasRemaining();
    }

    int u32() {
      return in.getInt();
    }

    int flags() {
      int f = u8();
      if ((f & ~(FLAG_A | FLAG_B)) != 0) {
        throw new CodecException(
            CodecException.Reason.MALFORMED,
            typeName() + " frame has unknown flag bits " + Integer.toBinaryString(f));
      }
      return f;
    }

    long varlong() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = in.get();
        if (shift == 63 && (b & 0xFE) != 0) {
          break; // the tenth byte may only hold the top bit
        }
        result |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw new CodecException(
          CodecException.Reason.MALFORMED, typeName() + " frame has a varint longer than 64 bits");
    }

    /** A count of elements each at least {@code minBytes} long, checked against what is left. */
    int count(int minBytes, String what) {
      long n = varlong();
      // Division, not multiplication: a huge n must not overflow past the check.
      if (n < 0 || n > in.remaining() / minBytes) {
        throw new CodecException(
            CodecException.Reason.TRUNCATED,
            typeName()
                + " frame announces "
                + Long.toUnsignedString(n)
                + " "
                + what
                + " but only "
                + in.remaining()
                + " bytes are left");
      }
      return (int) n;
    }

    byte[] bytes() {
      byte[] data = new byte[count(1, "data bytes")];
      in.get(data);
      return data;
    }

    List<Entry> entries() {
      int n = count(4, "entries");
      List<Entry> entries = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long term = varlong();
        long index = varlong();
        int code = u8();
        EntryType type;
        try {
          type = EntryType.ofCode(code); // the explicit code, as in the WAL
        } catch (IllegalArgumentException unknown) {
          throw new CodecException(
              CodecException.Reason.MALFORMED,
              typeName() + " frame has an entry of unknown type " + code);
        }
        entries.add(new Entry(term, index, type, bytes()));
      }
      return entries;
    }

    Set<Long> ids() {
      int n = count(1, "member ids");
      Set<Long> ids = new HashSet<>(n * 2);
      for (int i = 0; i < n; i++) {
        ids.add(varlong());
      }
      return ids;
    }

    SnapshotMetadata metadata() {
      long index = varlong();
      long term = varlong();
      return new SnapshotMetadata(index, term, new ConfState(ids(), ids()));
    }
  }
}

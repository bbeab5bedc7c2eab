package dev.raftkv.kv;

import dev.raftkv.raft.ConfChange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The members in the {@code meta} column family, so they are in every checkpoint (snapshot) and
 * survive restarts: {@code member/<8-byte id>} holds a {@link Member} (version byte, name, peer
 * URLs, client URLs, learner flag), {@code removed_member/<8-byte id>} marks an id that was removed
 * (etcd refuses such ids forever). Also the encoding of a membership change's context: the peer
 * URLs of the member it adds.
 */
public final class Members {
  private static final int VERSION = 1;
  private static final byte[] MEMBER = Bytes.of("member/");
  private static final byte[] REMOVED = Bytes.of("removed_member/");

  private Members() {}

  /** The context of a {@link ConfChange} that adds a member with these peer URLs. */
  public static byte[] encodeContext(List<String> peerUrls) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeByte(VERSION);
      strings(out, peerUrls);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  /**
   * The peer URLs in a change's context; none for an empty context.
   *
   * @throws IllegalArgumentException if the context is not one {@link #encodeContext} wrote
   */
  public static List<String> decodeContext(byte[] context) {
    if (context.length == 0) {
      return List.of();
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(context))) {
      int v = in.readUnsignedByte();
      if (v != VERSION) {
        throw new IllegalArgumentException("unknown member context version " + v);
      }
      List<String> urls = strings(in);
      if (in.available() > 0) {
        throw new IllegalArgumentException(in.available() + " bytes after the member context");
      }
      return urls;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated member context (" + context.length + " bytes)");
    }
  }

  /** Encodes a list of members (what a running member tells a joining one). */
  public static byte[] encodeList(List<Member> members) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeByte(VERSION);
      out.writeInt(members.size());
      for (Member m : members) {
        out.writeLong(m.id());
        byte[] b = encode(m);
        out.writeInt(b.length);
        out.write(b);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  /**
   * Decodes {@link #encodeList}'s output.
   *
   * @throws IllegalArgumentException if {@code data} is not such a list
   */
  public static List<Member> decodeList(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      int v = in.readUnsignedByte();
      if (v != VERSION) {
        throw new IllegalArgumentException("unknown member list version " + v);
      }
      int n = in.readInt();
      if (n < 0 || n > in.available()) {
        throw new IllegalArgumentException("bad member count " + n);
      }
      List<Member> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long id = in.readLong();
        int len = in.readInt();
        if (len < 0 || len > in.available()) {
          throw new IllegalArgumentException("bad member length " + len);
        }
        byte[] b = new byte[len];
        in.readFully(b);
        out.add(decode(id, b));
      }
      return out;
    } catch (IOException | KvStorageException e) {
      throw new IllegalArgumentException("not a member list: " + e.getMessage(), e);
    }
  }

  static byte[] encode(Member m) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeByte(VERSION);
      out.writeUTF(m.name());
      strings(out, m.peerUrls());
      strings(out, m.clientUrls());
      out.writeBoolean(m.learner());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  static Member decode(long id, byte[] value) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
      int v = in.readUnsignedByte();
      if (v != VERSION) {
        throw new KvStorageException("member " + id + " is stored in unknown version " + v, null);
      }
      String name = in.readUTF();
      List<String> peers = strings(in);
      List<String> clients = strings(in);
      return new Member(id, name, peers, clients, in.readBoolean());
    } catch (IOException e) {
      throw new KvStorageException("member " + id + " is stored truncated", e);
    }
  }

  private static void strings(DataOutputStream out, List<String> list) throws IOException {
    out.writeInt(list.size());
    for (String s : list) {
      out.writeUTF(s);
    }
  }

  private static List<String> strings(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1024) {
      throw new IOException("bad URL count " + n);
    }
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(in.readUTF());
    }
    return out;
  }

  private static byte[] key(byte[] prefix, long id) {
    return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(id).array();
  }

  static Member get(Source source, ColumnFamilyHandle meta, long id) {
    try {
      byte[] v = source.get(meta, key(MEMBER, id));
      return v == null ? null : decode(id, v);
    } catch (RocksDBException e) {
      throw new KvStorageException("member read failed", e);
    }
  }

  /** Every member, in id order (as unsigned). */
  static List<Member> all(Source source, ColumnFamilyHandle meta) {
    List<Member> out = new ArrayList<>();
    try (RocksIterator it = source.iterator(meta)) {
      for (it.seek(MEMBER); it.isValid() && Codec.startsWith(it.key(), MEMBER); it.next()) {
        long id = ByteBuffer.wrap(it.key(), MEMBER.length, 8).getLong();
        out.add(decode(id, it.value()));
      }
    }
    return out;
  }

  /** Every removed id. */
  static Set<Long> removed(Source source, ColumnFamilyHandle meta) {
    Set<Long> out = new HashSet<>();
    try (RocksIterator it = source.iterator(meta)) {
      for (it.seek(REMOVED); it.isValid() && Codec.startsWith(it.key(), REMOVED); it.next()) {
        out.add(ByteBuffer.wrap(it.key(), REMOVED.length, 8).getLong());
      }
    }
    return out;
  }

  /**
   * Puts into {@code batch} what replaces every member and removed-member record of {@code db} by
   * {@code members} (a restore that starts a new cluster from a snapshot).
   */
  static void replaceAll(
      org.rocksdb.RocksDB db,
      org.rocksdb.WriteBatch batch,
      ColumnFamilyHandle meta,
      List<Member> members)
      throws RocksDBException {
    for (byte[] prefix : List.of(MEMBER, REMOVED)) {
      try (RocksIterator it = db.newIterator(meta)) {
        for (it.seek(prefix); it.isValid() && Codec.startsWith(it.key(), prefix); it.next()) {
          batch.delete(meta, it.key());
        }
      }
    }
    for (Member m : members) {
      batch.put(meta, key(MEMBER, m.id()), encode(m));
    }
  }

  /** Applies one member op into the batch (see the op records for the rules). */
  static void apply(Source source, WriteBatchWithIndex batch, ColumnFamilyHandle meta, Op op)
      throws RocksDBException {
    if (op instanceof MemberChange c) {
      Member m = get(source, meta, c.memberId());
      Member next;
      switch (c.type()) {
        case ADD_VOTER, ADD_LEARNER -> {
          boolean learner = c.type() == ConfChange.Type.ADD_LEARNER;
          if (m != null && learner && !m.learner()) {
            return; // a voter cannot become a learner; the Raft core ignores this change too
          }
          next =
              m == null
                  ? new Member(c.memberId(), "", c.peerUrls(), List.of(), learner)
                  : m.withLearner(learner);
          if (m != null && !c.peerUrls().isEmpty()) {
            next = next.withPeerUrls(c.peerUrls());
          }
          batch.delete(meta, key(REMOVED, c.memberId()));
          batch.put(meta, key(MEMBER, c.memberId()), encode(next));
        }
        case REMOVE -> {
          batch.delete(meta, key(MEMBER, c.memberId()));
          batch.put(meta, key(REMOVED, c.memberId()), new byte[0]);
        }
      }
    } else if (op instanceof MemberPublishRequest p) {
      Member m = get(source, meta, p.memberId());
      if (m != null) {
        batch.put(
            meta, key(MEMBER, p.memberId()), encode(m.withAttributes(p.name(), p.clientUrls())));
      }
    } else if (op instanceof MemberUpdateRequest u) {
      Member m = get(source, meta, u.memberId());
      if (m == null) {
        throw new KvException(KvException.Code.MEMBER_NOT_FOUND);
      }
      for (Member other : all(source, meta)) {
        if (other.id() != u.memberId()
            && other.peerUrls().stream().anyMatch(u.peerUrls()::contains)) {
          throw new KvException(KvException.Code.PEER_URL_EXISTS);
        }
      }
      batch.put(meta, key(MEMBER, u.memberId()), encode(m.withPeerUrls(u.peerUrls())));
    } else {
      throw new IllegalArgumentException("not a member op: " + op);
    }
  }
}

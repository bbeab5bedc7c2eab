package dev.raftkv.kv;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The binary form of the write commands that go through the Raft log: one log entry carries one
 * {@link Op}. A version byte leads, then a tag per op and its fields in record order; lengths and
 * counts are 32-bit, numbers 64-bit, big-endian; an enum is one byte, its explicit code (etcd's
 * number for it), never its ordinal. Reads served through ReadIndex never enter the log, but a
 * {@link Range} inside a txn does, so every request op is encoded.
 */
public final class KvCommands {
  private static final int VERSION = 1;
  private static final int RANGE = 1;
  private static final int PUT = 2;
  private static final int DELETE = 3;
  private static final int TXN = 4;
  private static final int COMPACT = 5;
  private static final int LEASE_REVOKE = 6;
  private static final int LEASE_GRANT = 7;
  private static final int MEMBER_PUBLISH = 8;
  private static final int MEMBER_UPDATE = 9;
  private static final int AUTHED = 10;
  private static final int SERVER_REQUEST = 11;
  private static final int AUTH_ENABLE = 12;
  private static final int AUTH_DISABLE = 13;
  private static final int AUTHENTICATE = 14;
  private static final int USER_ADD = 15;
  private static final int USER_DELETE = 16;
  private static final int USER_CHANGE_PASSWORD = 17;
  private static final int USER_GRANT_ROLE = 18;
  private static final int USER_REVOKE_ROLE = 19;
  private static final int ROLE_ADD = 20;
  private static final int ROLE_DELETE = 21;
  private static final int ROLE_GRANT_PERMISSION = 22;
  private static final int ROLE_REVOKE_PERMISSION = 23;
  private static final int ALARM = 24;

  private KvCommands() {}

  /** A log entry's data that is not a valid command. */
  public static final class BadCommandException extends IllegalArgumentException {
    BadCommandException(String message) {
      super(message);
    }
  }

  /** Encodes one op for a log entry. */
  public static byte[] encode(Op op) {
    // Sized for a put, the common command, so the buffer is not regrown and copied on the way.
    int hint = op instanceof Put p ? 64 + p.key().length + p.value().length : 64;
    ByteArrayOutputStream buf = new ByteArrayOutputStream(hint);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeByte(VERSION);
      writeOp(out, op);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  /**
   * Decodes a log entry's data.
   *
   * @throws BadCommandException naming what was wrong (version, tag, truncation, trailing bytes)
   */
  public static Op decode(byte[] data) {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new BadCommandException("unknown command version " + version);
      }
      Op op = readOp(in, 0);
      if (in.available() > 0) {
        throw new BadCommandException(in.available() + " bytes after the command");
      }
      return op;
    } catch (EOFException e) {
      throw new BadCommandException("command truncated (" + data.length + " bytes)");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (BadCommandException e) {
      throw e;
    } catch (RuntimeException e) {
      // A field the records refuse (a missing key, say): the data is not a valid command.
      throw new BadCommandException("invalid command: " + e.getMessage());
    }
  }

  private static void writeOp(DataOutputStream out, Op op) throws IOException {
    if (op instanceof Range r) {
      out.writeByte(RANGE);
      bytes(out, r.key());
      bytes(out, r.rangeEnd());
      out.writeLong(r.limit());
      out.writeLong(r.revision());
      out.writeByte(r.sortOrder().code());
      out.writeByte(r.sortTarget().code());
      out.writeBoolean(r.keysOnly());
      out.writeBoolean(r.countOnly());
      out.writeLong(r.minModRevision());
      out.writeLong(r.maxModRevision());
      out.writeLong(r.minCreateRevision());
      out.writeLong(r.maxCreateRevision());
    } else if (op instanceof Put p) {
      out.writeByte(PUT);
      bytes(out, p.key());
      bytes(out, p.value());
      out.writeLong(p.lease());
      out.writeBoolean(p.prevKv());
      out.writeBoolean(p.ignoreValue());
      out.writeBoolean(p.ignoreLease());
    } else if (op instanceof DeleteRange d) {
      out.writeByte(DELETE);
      bytes(out, d.key());
      bytes(out, d.rangeEnd());
      out.writeBoolean(d.prevKv());
    } else if (op instanceof Txn t) {
      out.writeByte(TXN);
      out.writeInt(t.compare().size());
      for (Compare c : t.compare()) {
        bytes(out, c.key());
        bytes(out, c.rangeEnd());
        out.writeByte(c.target().code());
        out.writeByte(c.result().code());
        out.writeLong(c.number());
        bytes(out, c.value());
      }
      ops(out, t.success());
      ops(out, t.failure());
    } else if (op instanceof Compact c) {
      out.writeByte(COMPACT);
      out.writeLong(c.revision());
    } else if (op instanceof LeaseRevokeRequest l) {
      out.writeByte(LEASE_REVOKE);
      out.writeLong(l.leaseId());
    } else if (op instanceof LeaseGrantRequest g) {
      out.writeByte(LEASE_GRANT);
      out.writeLong(g.id());
      out.writeLong(g.ttlSeconds());
    } else if (op instanceof MemberPublishRequest m) {
      out.writeByte(MEMBER_PUBLISH);
      out.writeLong(m.memberId());
      out.writeUTF(m.name());
      strings(out, m.clientUrls());
    } else if (op instanceof MemberUpdateRequest m) {
      out.writeByte(MEMBER_UPDATE);
      out.writeLong(m.memberId());
      strings(out, m.peerUrls());
    } else if (op instanceof Authed a) {
      out.writeByte(AUTHED);
      string(out, a.user());
      out.writeLong(a.authRevision());
      writeOp(out, a.op());
    } else if (op instanceof ServerRequest r) {
      out.writeByte(SERVER_REQUEST);
      writeOp(out, r.op());
    } else if (op instanceof AuthRequest a) {
      writeAuth(out, a);
    } else if (op instanceof AlarmRequest a) {
      out.writeByte(ALARM);
      out.writeByte(a.action().code());
      out.writeLong(a.memberId());
      out.writeByte(a.type().code());
    } else {
      throw new IllegalArgumentException("no encoding for " + op.getClass().getSimpleName());
    }
  }

  private static void writeAuth(DataOutputStream out, AuthRequest op) throws IOException {
    if (op instanceof AuthRequest.Enable) {
      out.writeByte(AUTH_ENABLE);
    } else if (op instanceof AuthRequest.Disable) {
      out.writeByte(AUTH_DISABLE);
    } else if (op instanceof AuthRequest.Authenticate a) {
      out.writeByte(AUTHENTICATE);
      string(out, a.name());
      string(out, a.tokenPrefix());
      out.writeLong(a.checkedRevision());
    } else if (op instanceof AuthRequest.UserAdd a) {
      out.writeByte(USER_ADD);
      string(out, a.name());
      string(out, a.passwordHash());
      out.writeBoolean(a.noPassword());
    } else if (op instanceof AuthRequest.UserDelete d) {
      out.writeByte(USER_DELETE);
      string(out, d.name());
    } else if (op instanceof AuthRequest.UserChangePassword c) {
      out.writeByte(USER_CHANGE_PASSWORD);
      string(out, c.name());
      string(out, c.passwordHash());
    } else if (op instanceof AuthRequest.UserGrantRole g) {
      out.writeByte(USER_GRANT_ROLE);
      string(out, g.user());
      string(out, g.role());
    } else if (op instanceof AuthRequest.UserRevokeRole r) {
      out.writeByte(USER_REVOKE_ROLE);
      string(out, r.user());
      string(out, r.role());
    } else if (op instanceof AuthRequest.RoleAdd a) {
      out.writeByte(ROLE_ADD);
      string(out, a.name());
    } else if (op instanceof AuthRequest.RoleDelete d) {
      out.writeByte(ROLE_DELETE);
      string(out, d.name());
    } else if (op instanceof AuthRequest.RoleGrantPermission g) {
      out.writeByte(ROLE_GRANT_PERMISSION);
      string(out, g.role());
      out.writeByte(g.permission().type().code());
      bytes(out, g.permission().key());
      bytes(out, g.permission().rangeEnd());
    } else if (op instanceof AuthRequest.RoleRevokePermission r) {
      out.writeByte(ROLE_REVOKE_PERMISSION);
      string(out, r.role());
      bytes(out, r.key());
      bytes(out, r.rangeEnd());
    } else {
      throw new IllegalArgumentException("no encoding for " + op.getClass().getSimpleName());
    }
  }

  /** A string as UTF-8 bytes (null as length -1). */
  private static void string(DataOutputStream out, String s) throws IOException {
    bytes(out, s == null ? null : s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String string(DataInputStream in) throws IOException {
    byte[] b = bytes(in);
    return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A string that must be present. */
  private static String name(DataInputStream in) throws IOException {
    String s = string(in);
    if (s == null) {
      throw new BadCommandException("a name is missing");
    }
    return s;
  }

  /** The op inside an envelope: neither envelope again. */
  private static Op wrapped(DataInputStream in, int depth) throws IOException {
    Op op = readOp(in, depth + 1);
    if (op instanceof Authed || op instanceof ServerRequest) {
      throw new BadCommandException("an envelope inside an envelope");
    }
    return op;
  }

  private static void strings(DataOutputStream out, List<String> list) throws IOException {
    out.writeInt(list.size());
    for (String s : list) {
      out.writeUTF(s);
    }
  }

  private static List<String> strings(DataInputStream in) throws IOException {
    int n = count(in);
    List<String> out = new ArrayList<>(Math.min(n, 16));
    for (int i = 0; i < n; i++) {
      out.add(in.readUTF());
    }
    return out;
  }

  private static void ops(DataOutputStream out, List<RequestOp> ops) throws IOException {
    out.writeInt(ops.size());
    for (RequestOp op : ops) {
      writeOp(out, op);
    }
  }

  private static void bytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
  }

  private static Op readOp(DataInputStream in, int depth) throws IOException {
    if (depth > 64) {
      throw new BadCommandException("txn nested more than 64 deep");
    }
    int tag = in.readUnsignedByte();
    switch (tag) {
      case RANGE -> {
        return new Range(
            bytes(in),
            bytes(in),
            in.readLong(),
            in.readLong(),
            ofCode(
                Range.SortOrder.values(),
                Range.SortOrder::code,
                in.readUnsignedByte(),
                "sort order"),
            ofCode(
                Range.SortTarget.values(),
                Range.SortTarget::code,
                in.readUnsignedByte(),
                "sort target"),
            in.readBoolean(),
            in.readBoolean(),
            in.readLong(),
            in.readLong(),
            in.readLong(),
            in.readLong());
      }
      case PUT -> {
        return new Put(
            bytes(in),
            bytes(in),
            in.readLong(),
            in.readBoolean(),
            in.readBoolean(),
            in.readBoolean());
      }
      case DELETE -> {
        return new DeleteRange(bytes(in), bytes(in), in.readBoolean());
      }
      case TXN -> {
        int n = count(in);
        List<Compare> compares = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          compares.add(
              new Compare(
                  bytes(in),
                  bytes(in),
                  ofCode(
                      Compare.Target.values(),
                      Compare.Target::code,
                      in.readUnsignedByte(),
                      "compare target"),
                  ofCode(
                      Compare.Result.values(),
                      Compare.Result::code,
                      in.readUnsignedByte(),
                      "compare result"),
                  in.readLong(),
                  bytes(in)));
        }
        List<RequestOp> success = requestOps(in, depth);
        List<RequestOp> failure = requestOps(in, depth);
        return new Txn(compares, success, failure);
      }
      case COMPACT -> {
        return new Compact(in.readLong());
      }
      case LEASE_REVOKE -> {
        return new LeaseRevokeRequest(in.readLong());
      }
      case LEASE_GRANT -> {
        return new LeaseGrantRequest(in.readLong(), in.readLong());
      }
      case MEMBER_PUBLISH -> {
        return new MemberPublishRequest(in.readLong(), in.readUTF(), strings(in));
      }
      case MEMBER_UPDATE -> {
        return new MemberUpdateRequest(in.readLong(), strings(in));
      }
      case AUTHED -> {
        String user = name(in);
        long rev = in.readLong();
        return new Authed(user, rev, wrapped(in, depth));
      }
      case SERVER_REQUEST -> {
        return new ServerRequest(wrapped(in, depth));
      }
      case AUTH_ENABLE -> {
        return new AuthRequest.Enable();
      }
      case AUTH_DISABLE -> {
        return new AuthRequest.Disable();
      }
      case AUTHENTICATE -> {
        return new AuthRequest.Authenticate(name(in), name(in), in.readLong());
      }
      case USER_ADD -> {
        return new AuthRequest.UserAdd(name(in), string(in), in.readBoolean());
      }
      case USER_DELETE -> {
        return new AuthRequest.UserDelete(name(in));
      }
      case USER_CHANGE_PASSWORD -> {
        return new AuthRequest.UserChangePassword(name(in), name(in));
      }
      case USER_GRANT_ROLE -> {
        return new AuthRequest.UserGrantRole(name(in), name(in));
      }
      case USER_REVOKE_ROLE -> {
        return new AuthRequest.UserRevokeRole(name(in), name(in));
      }
      case ROLE_ADD -> {
        return new AuthRequest.RoleAdd(name(in));
      }
      case ROLE_DELETE -> {
        return new AuthRequest.RoleDelete(name(in));
      }
      case ROLE_GRANT_PERMISSION -> {
        String role = name(in);
        Permission.Type type =
            ofCode(
                Permission.Type.values(),
                Permission.Type::code,
                in.readUnsignedByte(),
                "permission type");
        return new AuthRequest.RoleGrantPermission(
            role, new Permission(type, bytes(in), bytes(in)));
      }
      case ROLE_REVOKE_PERMISSION -> {
        return new AuthRequest.RoleRevokePermission(name(in), bytes(in), bytes(in));
      }
      case ALARM -> {
        AlarmRequest.Action action =
            ofCode(
                AlarmRequest.Action.values(),
                AlarmRequest.Action::code,
                in.readUnsignedByte(),
                "alarm action");
        long member = in.readLong();
        AlarmType type =
            ofCode(AlarmType.values(), AlarmType::code, in.readUnsignedByte(), "alarm type");
        return new AlarmRequest(action, member, type);
      }
      default -> throw new BadCommandException("unknown command tag " + tag);
    }
  }

  private static List<RequestOp> requestOps(DataInputStream in, int depth) throws IOException {
    int n = count(in);
    List<RequestOp> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Op op = readOp(in, depth + 1);
      if (!(op instanceof RequestOp r)) {
        throw new BadCommandException("a txn may hold only range, put, delete and txn ops");
      }
      out.add(r);
    }
    return out;
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new BadCommandException("bad count " + n);
    }
    return n;
  }

  private static byte[] bytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > in.available()) {
      throw new BadCommandException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  /** The constant whose explicit code is {@code code}: stored codes never depend on ordinals. */
  private static <E extends Enum<E>> E ofCode(
      E[] values, ToIntFunction<E> codeOf, int code, String what) {
    for (E e : values) {
      if (codeOf.applyAsInt(e) == code) {
        return e;
      }
    }
    throw new BadCommandException("unknown " + what + " " + code);
  }
}

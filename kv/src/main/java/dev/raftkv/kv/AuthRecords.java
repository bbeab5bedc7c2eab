package dev.raftkv.kv;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The auth state in the {@code meta} column family, so it is in every checkpoint (snapshot) and
 * survives restarts: {@code auth/enabled} (one byte, 1 or 0), {@code auth/revision} (8 bytes;
 * absent in a store that never saw an auth change: revision 1), {@code auth/user/<name>} (a version
 * byte, the password hash or none, the no-password flag, the roles) and {@code auth/role/<name>} (a
 * version byte, the permissions: type code, key, range end). Names are UTF-8; lengths 32-bit,
 * big-endian; a missing hash is length -1.
 */
final class AuthRecords {
  private static final int VERSION = 1;
  private static final byte[] PREFIX = Bytes.of("auth/");
  static final byte[] ENABLED = Bytes.of("auth/enabled");
  static final byte[] REVISION = Bytes.of("auth/revision");
  private static final String USER = "auth/user/";
  private static final String ROLE = "auth/role/";

  private AuthRecords() {}

  /** Reads the auth state from {@code meta} (through {@code source}). */
  static AuthState load(Source source, ColumnFamilyHandle meta) {
    boolean enabled = false;
    long revision = 1;
    Map<String, AuthUser> users = new HashMap<>();
    Map<String, AuthRole> roles = new HashMap<>();
    try (RocksIterator it = source.iterator(meta)) {
      for (it.seek(PREFIX); it.isValid() && Codec.startsWith(it.key(), PREFIX); it.next()) {
        byte[] k = it.key();
        String key = new String(k, StandardCharsets.UTF_8);
        if (java.util.Arrays.equals(k, ENABLED)) {
          enabled = it.value().length == 1 && it.value()[0] == 1;
        } else if (java.util.Arrays.equals(k, REVISION)) {
          revision = Codec.toLong(it.value(), 1);
        } else if (key.startsWith(USER)) {
          String name = key.substring(USER.length());
          users.put(name, decodeUser(name, it.value()));
        } else if (key.startsWith(ROLE)) {
          String name = key.substring(ROLE.length());
          roles.put(name, decodeRole(name, it.value()));
        }
      }
    }
    return new AuthState(enabled, revision, users, roles);
  }

  /** Writes into {@code batch} what changed from {@code before} to {@code after}. */
  static void write(
      WriteBatchWithIndex batch, ColumnFamilyHandle meta, AuthState before, AuthState after)
      throws RocksDBException {
    if (before.enabled() != after.enabled()) {
      batch.put(meta, ENABLED, new byte[] {(byte) (after.enabled() ? 1 : 0)});
    }
    if (before.revision() != after.revision()) {
      batch.put(meta, REVISION, Codec.longBytes(after.revision()));
    }
    for (String name : union(before.users(), after.users())) {
      AuthUser b = before.user(name);
      AuthUser a = after.user(name);
      if (a == null) {
        batch.delete(meta, userKey(name));
      } else if (!a.equals(b)) {
        batch.put(meta, userKey(name), encode(a));
      }
    }
    for (String name : union(before.roles(), after.roles())) {
      AuthRole b = before.role(name);
      AuthRole a = after.role(name);
      if (a == null) {
        batch.delete(meta, roleKey(name));
      } else if (!a.equals(b)) {
        batch.put(meta, roleKey(name), encode(a));
      }
    }
  }

  private static List<String> union(Map<String, ?> a, Map<String, ?> b) {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(a.keySet());
    all.addAll(b.keySet());
    return new ArrayList<>(all);
  }

  static byte[] userKey(String name) {
    return (USER + name).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] roleKey(String name) {
    return (ROLE + name).getBytes(StandardCharsets.UTF_8);
  }

  /** A user's record (its name is in the key). */
  static byte[] encode(AuthUser u) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeByte(VERSION);
      string(out, u.passwordHash());
      out.writeBoolean(u.noPassword());
      out.writeInt(u.roles().size());
      for (String r : u.roles()) {
        string(out, r);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  /** A role's record (its name is in the key). */
  static byte[] encode(AuthRole r) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeByte(VERSION);
      out.writeInt(r.permissions().size());
      for (Permission p : r.permissions()) {
        out.writeByte(p.type().code());
        bytes(out, p.key());
        bytes(out, p.rangeEnd());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  static AuthUser decodeUser(String name, byte[] record) {
    try (DataInputStream in = open(record, "user " + name)) {
      String hash = string(in);
      boolean noPassword = in.readBoolean();
      int n = in.readInt();
      List<String> roles = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        roles.add(Objects.requireNonNull(string(in), "role name"));
      }
      return new AuthUser(name, hash, noPassword, roles);
    } catch (IOException | RuntimeException e) {
      throw new KvStorageException("corrupt auth record of user " + name + ": " + e, null);
    }
  }

  static AuthRole decodeRole(String name, byte[] record) {
    try (DataInputStream in = open(record, "role " + name)) {
      int n = in.readInt();
      List<Permission> perms = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        perms.add(
            new Permission(Permission.Type.ofCode(in.readUnsignedByte()), bytes(in), bytes(in)));
      }
      return new AuthRole(name, perms);
    } catch (IOException | RuntimeException e) {
      throw new KvStorageException("corrupt auth record of role " + name + ": " + e, null);
    }
  }

  private static DataInputStream open(byte[] record, String what) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
    int v = in.readUnsignedByte();
    if (v != VERSION) {
      throw new IOException("unknown record version " + v + " of " + what);
    }
    return in;
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    bytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
  }

  private static String string(DataInputStream in) throws IOException {
    byte[] b = bytes(in);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static void bytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] bytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > in.available()) {
      throw new IOException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}

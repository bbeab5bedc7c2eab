package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated auth state as of some applied entry (etcd's auth store): whether auth is enabled,
 * the auth revision (1 in a new store, one more at every change, as etcd's), the users and the
 * roles. Immutable: the store replaces it at each applied change, so any thread may read the one it
 * got. Answers etcd's permission questions ({@link #checkOp}, {@link #checkAdmin}).
 *
 * @param enabled whether auth is enabled
 * @param revision the auth revision
 * @param users by name, in name order
 * @param roles by name, in name order
 */
public record AuthState(
    boolean enabled, long revision, Map<String, AuthUser> users, Map<String, AuthRole> roles) {
  /** A store that never saw an auth change: disabled, revision 1, nobody. */
  public static final AuthState EMPTY = new AuthState(false, 1, Map.of(), Map.of());

  public AuthState {
    users = Collections.unmodifiableMap(new TreeMap<>(users));
    roles = Collections.unmodifiableMap(new TreeMap<>(roles));
  }

  /** The user {@code name}, or null. */
  public AuthUser user(String name) {
    return users.get(name);
  }

  /** The role {@code name}, or null. */
  public AuthRole role(String name) {
    return roles.get(name);
  }

  /**
   * etcd's {@code isOpPermitted}: whether {@code user}, whose credentials were checked at auth
   * revision {@code checkedRevision}, may access {@code [key, rangeEnd)} as {@code need}. Nothing
   * is checked while auth is disabled.
   *
   * @param rangeEnd null or empty for the one key, one zero byte for every key from {@code key} on
   * @throws KvException USER_EMPTY without credentials ({@code checkedRevision} 0),
   *     AUTH_OLD_REVISION when the auth store changed since, PERMISSION_DENIED otherwise
   */
  public void checkOp(
      String user, long checkedRevision, byte[] key, byte[] rangeEnd, Permission.Type need) {
    if (!enabled) {
      return;
    }
    if (checkedRevision == 0) {
      throw new KvException(KvException.Code.USER_EMPTY);
    }
    if (checkedRevision < revision) {
      throw new KvException(KvException.Code.AUTH_OLD_REVISION);
    }
    if (!permitted(user, key, rangeEnd, need)) {
      throw new KvException(KvException.Code.PERMISSION_DENIED);
    }
  }

  /**
   * etcd's {@code IsAdminPermitted}: whether {@code user} may manage the cluster (holds the root
   * role). Nothing is checked while auth is disabled.
   *
   * @param user null when the request carried no credentials
   * @throws KvException USER_EMPTY, USER_NOT_FOUND or PERMISSION_DENIED
   */
  public void checkAdmin(String user) {
    if (!enabled) {
      return;
    }
    if (user == null) {
      throw new KvException(KvException.Code.USER_EMPTY);
    }
    AuthUser u = users.get(user);
    if (u == null) {
      throw new KvException(KvException.Code.USER_NOT_FOUND);
    }
    if (!u.isRoot()) {
      throw new KvException(KvException.Code.PERMISSION_DENIED);
    }
  }

  /**
   * Whether the user's roles allow {@code need} over all of {@code [key, rangeEnd)} (the root role
   * allows everything; an unknown user nothing). The permissions of all the user's roles are
   * merged: a range is allowed when their union covers it, as etcd's interval tree does.
   */
  public boolean permitted(String user, byte[] key, byte[] rangeEnd, Permission.Type need) {
    AuthUser u = user == null ? null : users.get(user);
    if (u == null) {
      return false;
    }
    if (u.isRoot()) {
      return true;
    }
    List<byte[][]> spans = new ArrayList<>();
    for (String roleName : u.roles()) {
      AuthRole role = roles.get(roleName);
      if (role == null) {
        continue;
      }
      for (Permission p : role.permissions()) {
        if (p.type().allows(need)) {
          spans.add(new byte[][] {p.key(), spanEnd(p.key(), p.rangeEnd())});
        }
      }
    }
    return covers(spans, key, spanEnd(key, rangeEnd));
  }

  /** The exclusive end of the span {@code key, rangeEnd} names; null is "no end". */
  private static byte[] spanEnd(byte[] key, byte[] rangeEnd) {
    if (rangeEnd == null || rangeEnd.length == 0) {
      byte[] next = java.util.Arrays.copyOf(key, key.length + 1); // key + "\0": the one key
      return next;
    }
    if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
      return null;
    }
    return rangeEnd;
  }

  /** Whether the union of {@code spans} ([start, end), null end unbounded) covers the span. */
  private static boolean covers(List<byte[][]> spans, byte[] from, byte[] to) {
    if (to != null && Bytes.compare(from, to) >= 0) {
      to = java.util.Arrays.copyOf(from, from.length + 1); // an empty range: the key itself
    }
    spans.sort((a, b) -> Bytes.compare(a[0], b[0]));
    byte[] reached = from;
    for (byte[][] s : spans) {
      if (Bytes.compare(s[0], reached) > 0) {
        return false; // a gap before this span
      }
      if (s[1] == null) {
        return true;
      }
      if (Bytes.compare(s[1], reached) > 0) {
        reached = s[1];
      }
      if (to != null && Bytes.compare(reached, to) >= 0) {
        return true;
      }
    }
    return false;
  }
}

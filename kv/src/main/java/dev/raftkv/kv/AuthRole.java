package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A role of etcd's auth (etcd's {@code authpb.Role}): a name and its key permissions, sorted by key
 * (then range end), one per key and range end.
 *
 * @param name the role name (not empty)
 * @param permissions its permissions in that order
 */
public record AuthRole(String name, List<Permission> permissions) {
  /** The name of etcd's superuser role: every permission over every key. */
  public static final String ROOT = "root";

  private static final Comparator<Permission> ORDER =
      Comparator.comparing(Permission::key, Bytes::compare)
          .thenComparing(Permission::rangeEnd, Bytes::compare);

  public AuthRole {
    Objects.requireNonNull(name, "name");
    List<Permission> sorted = new ArrayList<>(permissions);
    sorted.sort(ORDER);
    permissions = List.copyOf(sorted);
  }

  /**
   * This role with {@code p} granted: an existing permission over the same key and range end takes
   * its type (etcd's update), otherwise it is added.
   */
  AuthRole grant(Permission p) {
    List<Permission> out = new ArrayList<>(permissions.size() + 1);
    boolean replaced = false;
    for (Permission q : permissions) {
      if (q.sameRange(p.key(), p.rangeEnd())) {
        out.add(p);
        replaced = true;
      } else {
        out.add(q);
      }
    }
    if (!replaced) {
      out.add(p);
    }
    return new AuthRole(name, out);
  }

  /** This role without the permission over {@code key} and {@code rangeEnd}, or null if none. */
  AuthRole revoke(byte[] key, byte[] rangeEnd) {
    List<Permission> out = new ArrayList<>(permissions);
    return out.removeIf(q -> q.sameRange(key, rangeEnd)) ? new AuthRole(name, out) : null;
  }
}

package dev.raftkv.kv;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A user of etcd's auth (etcd's {@code authpb.User}).
 *
 * @param name the user name (not empty)
 * @param passwordHash the bcrypt hash of the password, or null when the user has none
 * @param noPassword etcd's {@code no_password} option: the user may not authenticate by password
 * @param roles the granted role names, sorted, without duplicates
 */
public record AuthUser(String name, String passwordHash, boolean noPassword, List<String> roles) {
  /** The name of etcd's superuser. */
  public static final String ROOT = "root";

  public AuthUser {
    Objects.requireNonNull(name, "name");
    roles = List.copyOf(new TreeSet<>(roles));
  }

  /** Whether the user holds the {@code root} role (every permission, admin rights). */
  public boolean isRoot() {
    return roles.contains(AuthRole.ROOT);
  }

  AuthUser withRoles(List<String> newRoles) {
    return new AuthUser(name, passwordHash, noPassword, newRoles);
  }

  AuthUser withPasswordHash(String hash) {
    return new AuthUser(name, hash, noPassword, roles);
  }

  /** Without the hash: what may be logged. */
  @Override
  public String toString() {
    return "AuthUser[" + name + ", roles=" + roles + (noPassword ? ", no password]" : "]");
  }
}

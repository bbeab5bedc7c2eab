package dev.raftkv.kv;

import java.util.Objects;

/**
 * A change to the replicated auth state (etcd's auth requests that go through the log), applied on
 * every member with etcd's checks ({@link AuthChanges}). Passwords arrive here already hashed: the
 * member that received the request hashes them before proposing, never the apply thread. The
 * management requests (all but {@link Authenticate}) need the root role once auth is enabled.
 */
public sealed interface AuthRequest extends Op {
  /** etcd's AuthEnable: needs user root with role root; enabling twice does nothing. */
  record Enable() implements AuthRequest {}

  /** etcd's AuthDisable: every token becomes invalid. */
  record Disable() implements AuthRequest {}

  /**
   * etcd's Authenticate, after the receiving member checked the password at auth revision {@code
   * checkedRevision}: issues the token {@code tokenPrefix + "." + index} (simple tokens; an empty
   * prefix issues no token, the member signs a JWT instead) on every member.
   */
  record Authenticate(String name, String tokenPrefix, long checkedRevision)
      implements AuthRequest {
    public Authenticate {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(tokenPrefix, "tokenPrefix");
    }
  }

  /** etcd's UserAdd; {@code passwordHash} is null with {@code noPassword}. */
  record UserAdd(String name, String passwordHash, boolean noPassword) implements AuthRequest {
    public UserAdd {
      Objects.requireNonNull(name, "name");
    }
  }

  /** etcd's UserDelete: the user's tokens become invalid. */
  record UserDelete(String name) implements AuthRequest {
    public UserDelete {
      Objects.requireNonNull(name, "name");
    }
  }

  /** etcd's UserChangePassword: the user's tokens become invalid. */
  record UserChangePassword(String name, String passwordHash) implements AuthRequest {
    public UserChangePassword {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(passwordHash, "passwordHash");
    }
  }

  /** etcd's UserGrantRole. */
  record UserGrantRole(String user, String role) implements AuthRequest {
    public UserGrantRole {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(role, "role");
    }
  }

  /** etcd's UserRevokeRole. */
  record UserRevokeRole(String user, String role) implements AuthRequest {
    public UserRevokeRole {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(role, "role");
    }
  }

  /** etcd's RoleAdd. */
  record RoleAdd(String name) implements AuthRequest {
    public RoleAdd {
      Objects.requireNonNull(name, "name");
    }
  }

  /** etcd's RoleDelete: the role is also revoked from every user holding it. */
  record RoleDelete(String name) implements AuthRequest {
    public RoleDelete {
      Objects.requireNonNull(name, "name");
    }
  }

  /** etcd's RoleGrantPermission. */
  record RoleGrantPermission(String role, Permission permission) implements AuthRequest {
    public RoleGrantPermission {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(permission, "permission");
    }
  }

  /** etcd's RoleRevokePermission: the permission over exactly this key and range end. */
  record RoleRevokePermission(String role, byte[] key, byte[] rangeEnd) implements AuthRequest {
    public RoleRevokePermission {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(key, "key");
      if (rangeEnd == null) {
        rangeEnd = Bytes.EMPTY;
      }
    }
  }
}

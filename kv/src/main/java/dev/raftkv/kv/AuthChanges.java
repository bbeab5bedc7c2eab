package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies one {@link AuthRequest} to an {@link AuthState} with etcd 3.4's checks and errors ({@code
 * auth/store.go}): what it refuses, it refuses with the {@link KvException} etcd answers with, and
 * every change moves the auth revision by one (enabling does not, as etcd's; neither does granting
 * a role the user already holds). Pure: the caller stores the new state.
 */
final class AuthChanges {
  private AuthChanges() {}

  /** The state after a change and the answer to give. */
  record Outcome(AuthState state, AuthResponse response) {}

  /**
   * Applies {@code r}.
   *
   * @param kvRevision the store revision, for the answer
   * @param raftIndex the entry's index, the suffix of a simple token
   * @throws KvException etcd's refusal; nothing changed then
   */
  static Outcome apply(AuthState s, AuthRequest r, long kvRevision, long raftIndex) {
    Map<String, AuthUser> users = new HashMap<>(s.users());
    Map<String, AuthRole> roles = new HashMap<>(s.roles());
    boolean enabled = s.enabled();
    AuthResponse.Tokens tokens = AuthResponse.Tokens.KEEP;
    String about = null;
    String token = null;
    boolean changed = true;
    if (r instanceof AuthRequest.Enable) {
      changed = false; // etcd does not move the revision on enable
      if (!enabled) {
        AuthUser root = users.get(AuthUser.ROOT);
        if (root == null) {
          throw new KvException(KvException.Code.ROOT_USER_NOT_EXIST);
        }
        if (!root.isRoot()) {
          throw new KvException(KvException.Code.ROOT_ROLE_NOT_EXIST);
        }
        enabled = true;
      }
    } else if (r instanceof AuthRequest.Disable) {
      changed = enabled;
      enabled = false;
      tokens = changed ? AuthResponse.Tokens.REVOKE_ALL : tokens;
    } else if (r instanceof AuthRequest.Authenticate a) {
      changed = false;
      if (!enabled) {
        throw new KvException(KvException.Code.AUTH_NOT_ENABLED);
      }
      AuthUser u = users.get(a.name());
      if (u == null) {
        throw new KvException(KvException.Code.AUTH_FAILED);
      }
      if (u.noPassword()) {
        throw new KvException(KvException.Code.NO_PASSWORD_USER);
      }
      if (u.passwordHash() == null) {
        throw new KvException(KvException.Code.AUTH_FAILED);
      }
      if (a.checkedRevision() != s.revision()) {
        // the password was checked against another state of the store: the member retries
        throw new KvException(KvException.Code.AUTH_OLD_REVISION);
      }
      about = a.name();
      token = a.tokenPrefix().isEmpty() ? "" : a.tokenPrefix() + "." + raftIndex;
      tokens = AuthResponse.Tokens.ISSUED;
    } else if (r instanceof AuthRequest.UserAdd a) {
      if (a.name().isEmpty()) {
        throw new KvException(KvException.Code.USER_EMPTY);
      }
      if (users.containsKey(a.name())) {
        throw new KvException(KvException.Code.USER_ALREADY_EXISTS);
      }
      users.put(
          a.name(),
          new AuthUser(
              a.name(), a.noPassword() ? null : a.passwordHash(), a.noPassword(), List.of()));
    } else if (r instanceof AuthRequest.UserDelete d) {
      if (enabled && d.name().equals(AuthUser.ROOT)) {
        throw new KvException(KvException.Code.INVALID_AUTH_MGMT);
      }
      if (users.remove(d.name()) == null) {
        throw new KvException(KvException.Code.USER_NOT_FOUND);
      }
      about = d.name();
      tokens = AuthResponse.Tokens.REVOKE_USER;
    } else if (r instanceof AuthRequest.UserChangePassword c) {
      AuthUser u = users.get(c.name());
      if (u == null) {
        throw new KvException(KvException.Code.USER_NOT_FOUND);
      }
      users.put(c.name(), u.withPasswordHash(c.passwordHash()));
      about = c.name();
      tokens = AuthResponse.Tokens.REVOKE_USER;
    } else if (r instanceof AuthRequest.UserGrantRole g) {
      AuthUser u = users.get(g.user());
      if (u == null) {
        throw new KvException(KvException.Code.USER_NOT_FOUND);
      }
      if (!g.role().equals(AuthRole.ROOT) && !roles.containsKey(g.role())) {
        throw new KvException(KvException.Code.ROLE_NOT_FOUND);
      }
      if (u.roles().contains(g.role())) {
        changed = false; // etcd ignores a second grant
      } else {
        List<String> more = new ArrayList<>(u.roles());
        more.add(g.role());
        users.put(g.user(), u.withRoles(more));
      }
    } else if (r instanceof AuthRequest.UserRevokeRole v) {
      if (enabled && v.user().equals(AuthUser.ROOT) && v.role().equals(AuthRole.ROOT)) {
        throw new KvException(KvException.Code.INVALID_AUTH_MGMT);
      }
      AuthUser u = users.get(v.user());
      if (u == null) {
        throw new KvException(KvException.Code.USER_NOT_FOUND);
      }
      if (!u.roles().contains(v.role())) {
        throw new KvException(KvException.Code.ROLE_NOT_GRANTED);
      }
      List<String> fewer = new ArrayList<>(u.roles());
      fewer.remove(v.role());
      users.put(v.user(), u.withRoles(fewer));
    } else if (r instanceof AuthRequest.RoleAdd a) {
      if (a.name().isEmpty()) {
        throw new KvException(KvException.Code.ROLE_EMPTY);
      }
      if (roles.containsKey(a.name())) {
        throw new KvException(KvException.Code.ROLE_ALREADY_EXISTS);
      }
      roles.put(a.name(), new AuthRole(a.name(), List.of()));
    } else if (r instanceof AuthRequest.RoleDelete d) {
      if (enabled && d.name().equals(AuthRole.ROOT)) {
        throw new KvException(KvException.Code.INVALID_AUTH_MGMT);
      }
      if (roles.remove(d.name()) == null) {
        throw new KvException(KvException.Code.ROLE_NOT_FOUND);
      }
      for (AuthUser u : List.copyOf(users.values())) {
        if (u.roles().contains(d.name())) {
          List<String> fewer = new ArrayList<>(u.roles());
          fewer.remove(d.name());
          users.put(u.name(), u.withRoles(fewer));
        }
      }
    } else if (r instanceof AuthRequest.RoleGrantPermission g) {
      AuthRole role = roles.get(g.role());
      if (role == null) {
        throw new KvException(KvException.Code.ROLE_NOT_FOUND);
      }
      roles.put(g.role(), role.grant(g.permission()));
    } else if (r instanceof AuthRequest.RoleRevokePermission v) {
      AuthRole role = roles.get(v.role());
      if (role == null) {
        throw new KvException(KvException.Code.ROLE_NOT_FOUND);
      }
      AuthRole fewer = role.revoke(v.key(), v.rangeEnd());
      if (fewer == null) {
        throw new KvException(KvException.Code.PERMISSION_NOT_GRANTED);
      }
      roles.put(v.role(), fewer);
    }
    long revision = changed ? s.revision() + 1 : s.revision();
    AuthState next = new AuthState(enabled, revision, users, roles);
    return new Outcome(next, new AuthResponse(kvRevision, revision, about, token, tokens));
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replicated auth state applied through the store: etcd 3.4's checks and errors for every
 * change, the auth revision, permission matching of a key, a range, a prefix and "all keys", where
 * requests are refused, and that it all survives a restart and a checkpoint restore.
 */
class AuthStoreTest extends StoreFixture {
  private static final String HASH = "$2y$04$notReallyAHashButStoredAsIs";

  private AuthResponse auth(Op r) {
    return (AuthResponse) ok(r);
  }

  private KvException.Code refusedCode(Op op) {
    return refused(op).code();
  }

  private void addUser(String name, String... roles) {
    auth(new AuthRequest.UserAdd(name, HASH, false));
    for (String r : roles) {
      auth(new AuthRequest.UserGrantRole(name, r));
    }
  }

  /** root with the root role, role "r" and user "u" with it; auth enabled. */
  private void enabledWithLimitedUser(Permission... perms) {
    addUser("root", "root");
    auth(new AuthRequest.RoleAdd("r"));
    for (Permission p : perms) {
      auth(new AuthRequest.RoleGrantPermission("r", p));
    }
    addUser("u", "r");
    auth(new AuthRequest.Enable());
  }

  private Authed as(String user, Op op) {
    return new Authed(user, store.auth().revision(), op);
  }

  private static Permission perm(Permission.Type t, String key, String end) {
    return new Permission(t, b(key), end == null ? null : b(end));
  }

  @Test
  void aNewStoreIsDisabledAtRevisionOne() {
    assertThat(store.auth()).isEqualTo(AuthState.EMPTY);
    assertThat(store.auth().revision()).isEqualTo(1);
  }

  @Test
  void everyChangeMovesTheRevisionByOneButEnableAndARepeatedGrantDoNot() {
    addUser("root");
    assertThat(store.auth().revision()).isEqualTo(2);
    auth(new AuthRequest.UserGrantRole("root", "root"));
    assertThat(store.auth().revision()).isEqualTo(3);
    auth(new AuthRequest.UserGrantRole("root", "root")); // ignored, as etcd
    assertThat(store.auth().revision()).isEqualTo(3);
    auth(new AuthRequest.RoleAdd("r"));
    auth(new AuthRequest.RoleGrantPermission("r", perm(Permission.Type.READ, "a", null)));
    assertThat(store.auth().revision()).isEqualTo(5);
    AuthResponse enabled = auth(new AuthRequest.Enable());
    assertThat(enabled.authRevision()).isEqualTo(5);
    assertThat(store.auth().enabled()).isTrue();
    auth(as("root", new AuthRequest.Enable())); // already enabled: nothing
    assertThat(store.auth().revision()).isEqualTo(5);
    AuthResponse disabled = auth(as("root", new AuthRequest.Disable()));
    assertThat(disabled.tokens()).isEqualTo(AuthResponse.Tokens.REVOKE_ALL);
    assertThat(store.auth().revision()).isEqualTo(6);
    assertThat(store.auth().enabled()).isFalse();
  }

  @Test
  void etcdsErrorsForUsersAndRoles() {
    assertThat(refusedCode(new AuthRequest.UserAdd("", HASH, false)))
        .isEqualTo(KvException.Code.USER_EMPTY);
    addUser("a");
    assertThat(refusedCode(new AuthRequest.UserAdd("a", HASH, false)))
        .isEqualTo(KvException.Code.USER_ALREADY_EXISTS);
    assertThat(refusedCode(new AuthRequest.UserDelete("nobody")))
        .isEqualTo(KvException.Code.USER_NOT_FOUND);
    assertThat(refusedCode(new AuthRequest.UserChangePassword("nobody", HASH)))
        .isEqualTo(KvException.Code.USER_NOT_FOUND);
    assertThat(refusedCode(new AuthRequest.UserGrantRole("nobody", "r")))
        .isEqualTo(KvException.Code.USER_NOT_FOUND);
    assertThat(refusedCode(new AuthRequest.UserGrantRole("a", "missing")))
        .isEqualTo(KvException.Code.ROLE_NOT_FOUND);
    assertThat(refusedCode(new AuthRequest.UserRevokeRole("a", "r")))
        .isEqualTo(KvException.Code.ROLE_NOT_GRANTED);
    assertThat(refusedCode(new AuthRequest.RoleAdd(""))).isEqualTo(KvException.Code.ROLE_EMPTY);
    auth(new AuthRequest.RoleAdd("r"));
    assertThat(refusedCode(new AuthRequest.RoleAdd("r")))
        .isEqualTo(KvException.Code.ROLE_ALREADY_EXISTS);
    assertThat(refusedCode(new AuthRequest.RoleDelete("missing")))
        .isEqualTo(KvException.Code.ROLE_NOT_FOUND);
    assertThat(
            refusedCode(
                new AuthRequest.RoleGrantPermission(
                    "missing", perm(Permission.Type.READ, "a", null))))
        .isEqualTo(KvException.Code.ROLE_NOT_FOUND);
    assertThat(refusedCode(new AuthRequest.RoleRevokePermission("r", b("a"), null)))
        .isEqualTo(KvException.Code.PERMISSION_NOT_GRANTED);
    // a refused change moves nothing
    assertThat(store.auth().revision()).isEqualTo(3);
  }

  @Test
  void enableNeedsRootWithTheRootRole() {
    assertThat(refusedCode(new AuthRequest.Enable()))
        .isEqualTo(KvException.Code.ROOT_USER_NOT_EXIST);
    addUser("root");
    assertThat(refusedCode(new AuthRequest.Enable()))
        .isEqualTo(KvException.Code.ROOT_ROLE_NOT_EXIST);
    auth(new AuthRequest.UserGrantRole("root", "root")); // the root role needs no RoleAdd
    auth(new AuthRequest.Enable());
    assertThat(store.auth().enabled()).isTrue();
  }

  @Test
  void rootCannotBeDeletedNorLoseItsRoleWhileEnabled() {
    enabledWithLimitedUser();
    assertThat(refusedCode(as("root", new AuthRequest.UserDelete("root"))))
        .isEqualTo(KvException.Code.INVALID_AUTH_MGMT);
    assertThat(refusedCode(as("root", new AuthRequest.UserRevokeRole("root", "root"))))
        .isEqualTo(KvException.Code.INVALID_AUTH_MGMT);
    assertThat(refusedCode(as("root", new AuthRequest.RoleDelete("root"))))
        .isEqualTo(KvException.Code.INVALID_AUTH_MGMT);
  }

  @Test
  void managementNeedsRootOnceEnabled() {
    enabledWithLimitedUser();
    assertThat(refusedCode(new AuthRequest.RoleAdd("x"))).isEqualTo(KvException.Code.USER_EMPTY);
    assertThat(refusedCode(as("u", new AuthRequest.RoleAdd("x"))))
        .isEqualTo(KvException.Code.PERMISSION_DENIED);
    assertThat(refusedCode(as("ghost", new AuthRequest.RoleAdd("x"))))
        .isEqualTo(KvException.Code.USER_NOT_FOUND);
    auth(as("root", new AuthRequest.RoleAdd("x")));
    assertThat(store.auth().role("x")).isNotNull();
  }

  @Test
  void roleDeleteRevokesItFromItsUsers() {
    addUser("a");
    auth(new AuthRequest.RoleAdd("r"));
    auth(new AuthRequest.UserGrantRole("a", "r"));
    assertThat(store.auth().user("a").roles()).containsExactly("r");
    auth(new AuthRequest.RoleDelete("r"));
    assertThat(store.auth().user("a").roles()).isEmpty();
  }

  @Test
  void grantingTheSameRangeAgainChangesItsType() {
    auth(new AuthRequest.RoleAdd("r"));
    auth(new AuthRequest.RoleGrantPermission("r", perm(Permission.Type.READ, "b", "c")));
    auth(new AuthRequest.RoleGrantPermission("r", perm(Permission.Type.WRITE, "a", null)));
    auth(new AuthRequest.RoleGrantPermission("r", perm(Permission.Type.READWRITE, "b", "c")));
    assertThat(store.auth().role("r").permissions())
        .containsExactly(
            perm(Permission.Type.WRITE, "a", null), perm(Permission.Type.READWRITE, "b", "c"));
    auth(new AuthRequest.RoleRevokePermission("r", b("b"), b("c")));
    assertThat(store.auth().role("r").permissions())
        .containsExactly(perm(Permission.Type.WRITE, "a", null));
  }

  @Test
  void permissionsMatchAKeyARangeAPrefixAndEverything() {
    enabledWithLimitedUser(
        perm(Permission.Type.READ, "key", null),
        perm(Permission.Type.READWRITE, "a", "c"),
        new Permission(Permission.Type.WRITE, b("pre/"), Bytes.prefixEnd(b("pre/"))),
        perm(Permission.Type.READ, "z", "\0"));
    AuthState s = store.auth();
    Permission.Type read = Permission.Type.READ;
    Permission.Type write = Permission.Type.WRITE;
    assertThat(s.permitted("u", b("key"), null, read)).isTrue();
    assertThat(s.permitted("u", b("key"), null, write)).isFalse();
    assertThat(s.permitted("u", b("key0"), null, read)).isFalse();
    assertThat(s.permitted("u", b("a"), b("c"), read)).isTrue();
    assertThat(s.permitted("u", b("ab"), b("b"), write)).isTrue();
    assertThat(s.permitted("u", b("a"), b("d"), read)).isFalse();
    assertThat(s.permitted("u", b("c"), null, read)).isFalse();
    assertThat(s.permitted("u", b("pre/x"), null, write)).isTrue();
    assertThat(s.permitted("u", b("pre/"), Bytes.prefixEnd(b("pre/")), write)).isTrue();
    assertThat(s.permitted("u", b("pre/"), Bytes.prefixEnd(b("pre/")), read)).isFalse();
    assertThat(s.permitted("u", b("pre"), null, write)).isFalse();
    assertThat(s.permitted("u", b("zz"), Bytes.FROM_KEY, read)).isTrue();
    assertThat(s.permitted("u", b("y"), Bytes.FROM_KEY, read)).isFalse();
    assertThat(s.permitted("root", b("anything"), Bytes.FROM_KEY, write)).isTrue();
    assertThat(s.permitted("ghost", b("key"), null, read)).isFalse();
  }

  @Test
  void unionOfRolesCoversARange() {
    addUser("root", "root");
    auth(new AuthRequest.RoleAdd("r1"));
    auth(new AuthRequest.RoleAdd("r2"));
    auth(new AuthRequest.RoleGrantPermission("r1", perm(Permission.Type.READ, "a", "m")));
    auth(new AuthRequest.RoleGrantPermission("r2", perm(Permission.Type.READ, "m", "z")));
    addUser("u", "r1", "r2");
    assertThat(store.auth().permitted("u", b("b"), b("y"), Permission.Type.READ)).isTrue();
    assertThat(store.auth().permitted("u", b("b"), b("zz"), Permission.Type.READ)).isFalse();
  }

  @Test
  void requestsAreCheckedWhereEtcdChecksThem() {
    enabledWithLimitedUser(
        perm(Permission.Type.READWRITE, "ok", null), perm(Permission.Type.READ, "ro", null));
    assertThat(refusedCode(Put.of("ok", "v"))).isEqualTo(KvException.Code.USER_EMPTY);
    ok(as("u", Put.of("ok", "v")));
    assertThat(refusedCode(as("u", Put.of("ro", "v"))))
        .isEqualTo(KvException.Code.PERMISSION_DENIED);
    assertThat(refusedCode(as("u", Range.get(b("no")))))
        .isEqualTo(KvException.Code.PERMISSION_DENIED);
    assertThat(refusedCode(as("u", new DeleteRange(b("ro"), null, false))))
        .isEqualTo(KvException.Code.PERMISSION_DENIED);
    // a txn: every compare reads, every op of both branches, nested too
    Compare readsNo =
        new Compare(b("no"), null, Compare.Target.VERSION, Compare.Result.EQUAL, 0, null);
    assertThat(refusedCode(as("u", new Txn(List.of(readsNo), List.of(), List.of()))))
        .isEqualTo(KvException.Code.PERMISSION_DENIED);
    Txn nested = new Txn(List.of(), List.of(Put.of("ro", "x")), List.of());
    assertThat(
            refusedCode(as("u", new Txn(List.of(), List.of(Put.of("ok", "1")), List.of(nested)))))
        .isEqualTo(KvException.Code.PERMISSION_DENIED);
    ok(as("u", new Txn(List.of(), List.of(Put.of("ok", "2")), List.of(Range.get(b("ro"))))));
    // compaction: root only
    assertThat(refusedCode(as("u", new Compact(1)))).isEqualTo(KvException.Code.PERMISSION_DENIED);
    ok(as("root", new Compact(1)));
  }

  @Test
  void aRequestCheckedBeforeAnAuthChangeIsOld() {
    enabledWithLimitedUser(perm(Permission.Type.READWRITE, "ok", null));
    Authed checked = as("u", Put.of("ok", "v"));
    auth(as("root", new AuthRequest.RoleAdd("other")));
    assertThat(refusedCode(checked)).isEqualTo(KvException.Code.AUTH_OLD_REVISION);
    ok(as("u", Put.of("ok", "v")));
  }

  @Test
  void leaseRevokeNeedsWriteOnItsKeysButTheServersOwnDoesNot() {
    ok(new LeaseGrantRequest(7, 60));
    put("ro", "v", 7);
    enabledWithLimitedUser(perm(Permission.Type.READ, "ro", null));
    assertThat(refusedCode(as("u", new LeaseRevokeRequest(7))))
        .isEqualTo(KvException.Code.PERMISSION_DENIED);
    assertThat(refusedCode(new LeaseRevokeRequest(7))).isEqualTo(KvException.Code.USER_EMPTY);
    ok(new ServerRequest(new LeaseRevokeRequest(7)));
    assertThat(get("ro")).isNull();
  }

  @Test
  void authenticateIssuesATokenNamedByTheIndex() {
    addUser("root", "root");
    auth(new AuthRequest.UserAdd("np", null, true));
    assertThat(refusedCode(new AuthRequest.Authenticate("root", "abc", 2)))
        .isEqualTo(KvException.Code.AUTH_NOT_ENABLED);
    auth(new AuthRequest.Enable());
    long rev = store.auth().revision();
    AuthResponse r = auth(new AuthRequest.Authenticate("root", "abcdefghijklmnop", rev));
    assertThat(r.token()).isEqualTo("abcdefghijklmnop." + index);
    assertThat(r.user()).isEqualTo("root");
    assertThat(r.tokens()).isEqualTo(AuthResponse.Tokens.ISSUED);
    assertThat(refusedCode(new AuthRequest.Authenticate("np", "x", rev)))
        .isEqualTo(KvException.Code.NO_PASSWORD_USER);
    assertThat(refusedCode(new AuthRequest.Authenticate("ghost", "x", rev)))
        .isEqualTo(KvException.Code.AUTH_FAILED);
    assertThat(refusedCode(new AuthRequest.Authenticate("root", "x", rev - 1)))
        .isEqualTo(KvException.Code.AUTH_OLD_REVISION);
    assertThat(store.auth().revision()).isEqualTo(rev);
  }

  @Test
  void withAuthDisabledEnvelopesAreNotChecked() {
    addUser("u");
    ok(new Authed("u", 0, Put.of("k", "v")));
    assertThat(get("k")).isNotNull();
  }

  @Test
  void theAuthStateSurvivesARestartAndACheckpointRestore() {
    enabledWithLimitedUser(perm(Permission.Type.READ, "k", "\0"));
    AuthState before = store.auth();
    Path cp = store.checkpoint(tmp.resolve("cp"));
    store.close();
    store = KvStore.open(tmp.resolve("db"));
    assertThat(store.auth()).isEqualTo(before);
    auth(as("root", new AuthRequest.Disable()));
    assertThat(store.auth().enabled()).isFalse();
    store.replaceWith(cp);
    assertThat(store.auth()).isEqualTo(before);
    assertThat(store.auth().user("u").passwordHash()).isEqualTo(HASH);
  }
}

package dev.raftkv.compat;

import static dev.raftkv.compat.CtlCase.ctl;
import static dev.raftkv.compat.WatchCase.watch;

import dev.raftkv.server.AuthConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's auth through the real {@code etcdctl} 3.4, against a 3-member raftkv and a 3-member real
 * etcd (the oracle), compared as {@link EtcdctlCompatIT} compares: users, roles, permissions over a
 * key, a range and a prefix, {@code auth enable}, {@code --user}, permission denied on get, put,
 * del, txn and watch for a limited user, a wrong password, root's protections, {@code auth
 * disable}. The steps run in order on clusters that start empty and without auth.
 *
 * <p>Not compared: a compaction by a user without the root role, which etcd 3.4 lets through and
 * raftkv refuses (issue 12 asks for root there; docs/security.md lists the difference).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdctlAuthCompatIT {
  private static final String ROOT = "--user=root:rootpw";
  private static final String ALICE = "--user=alice:alicepw";

  private RealEtcdCluster etcd;
  private RaftkvCluster raftkv;
  private ClusterSide expected;
  private ClusterSide actual;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Binaries.requireEtcdctl();
    Binaries.requireEtcd();
    etcd = RealEtcdCluster.start(dir.resolve("etcd"), 3, 100, 1000, List.of("--bcrypt-cost=4"));
    raftkv =
        RaftkvCluster.start(
            dir.resolve("raftkv"),
            3,
            100,
            1000,
            c -> c.withAuth(AuthConfig.parse("simple", 300, 4)));
    expected =
        new ClusterSide(
            "etcd",
            etcd.clientEndpoints(),
            etcd.peerEndpoints(),
            etcd.memberNames(),
            Files.createDirectories(dir.resolve("etcd-out")));
    actual =
        new ClusterSide(
            "raftkv",
            raftkv.clientEndpoints(),
            raftkv.peerEndpoints(),
            raftkv.memberNames(),
            Files.createDirectories(dir.resolve("raftkv-out")));
    expected.captureMemberIds();
    actual.captureMemberIds();
  }

  @AfterAll
  void stop() {
    if (raftkv != null) {
      raftkv.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> usersRolesPermissionsAndEnforcement() {
    return steps().stream()
        .map(s -> DynamicTest.dynamicTest(s.name(), () -> s.run(expected, actual)));
  }

  /**
   * The steps, in order, for clusters that start empty and without auth; they end with auth
   * disabled and no root user. {@link EtcdctlSecureCompatIT} runs them over TLS too.
   */
  static List<Step> steps() {
    return List.of(
        // set-up, auth disabled
        ctl("auth", "enable"),
        ctl("user", "add", "root:rootpw"),
        ctl("user", "add", "root:again"),
        ctl("role", "add", "root"),
        ctl("user", "grant-role", "root", "root"),
        ctl("role", "add", "reader"),
        ctl("role", "add", "reader"),
        ctl("role", "grant-permission", "reader", "read", "foo/", "--prefix"),
        ctl("role", "grant-permission", "reader", "readwrite", "rw"),
        ctl("role", "grant-permission", "reader", "write", "w1", "w5"),
        ctl("role", "grant-permission", "nosuch", "read", "x"),
        ctl("user", "add", "alice:alicepw"),
        ctl("user", "grant-role", "alice", "reader"),
        ctl("user", "grant-role", "alice", "nosuch"),
        ctl("user", "grant-role", "nobody", "reader"),
        ctl("user", "revoke-role", "alice", "root"),
        ctl("user", "get", "alice"),
        ctl("user", "get", "nobody"),
        ctl("user", "list"),
        ctl("role", "get", "reader"),
        ctl("role", "get", "nosuch"),
        ctl("role", "list"),
        ctl("role", "revoke-permission", "reader", "nokey"),
        ctl("user", "add", "bob:bobpw"),
        ctl("user", "delete", "bob"),
        ctl("user", "delete", "bob"),
        ctl("put", "foo/a", "1"),
        ctl("user", "add", "cnonly", "--no-password"),
        ctl("user", "get", "alice", "--detail"),
        ctl("role", "get", "root"),
        // auth on
        ctl("auth", "enable"),
        ctl("get", "foo/a"),
        ctl("put", "foo/a", "2"),
        ctl("user", "add", "carol:pw"),
        ctl(ROOT, "put", "foo/b", "2"),
        ctl(ROOT, "put", "other", "x"),
        ctl(ROOT, "get", "", "--from-key"),
        ctl(ALICE, "get", "foo/", "--prefix"),
        ctl(ALICE, "get", "foo/a", "-w", "json"),
        ctl(ALICE, "get", "other"),
        ctl(ALICE, "get", "", "--from-key"),
        ctl(ALICE, "put", "foo/c", "3"),
        ctl(ALICE, "put", "rw", "v"),
        ctl(ALICE, "put", "w3", "v"),
        ctl(ALICE, "get", "w3"),
        ctl(ALICE, "put", "w5", "v"),
        ctl(ALICE, "del", "foo/a"),
        ctl(ALICE, "del", "rw"),
        ctl(ALICE, "put", "rw", "v2", "--prev-kv"),
        ctl(ALICE, "txn", "-i").stdin("value(\"foo/a\") = \"1\"\n\nput foo/z 9\n\n\n"),
        ctl(ALICE, "txn", "-i").stdin("value(\"other\") = \"x\"\n\nget rw\n\n\n"),
        ctl(ALICE, "txn", "-i").stdin("value(\"foo/a\") = \"1\"\n\nget rw\n\nput other y\n\n"),
        ctl(ALICE, "txn", "-i").stdin("value(\"foo/a\") = \"1\"\n\nput rw t\nget foo/b\n\n\n"),
        ctl(ALICE, "watch", "other"),
        watch(ctl(ALICE, "watch", "foo/", "--prefix", "--rev=1"), "foo/b"),
        ctl(ALICE, "user", "list"),
        ctl(ALICE, "user", "get", "alice"),
        ctl(ALICE, "user", "get", "root"),
        ctl(ALICE, "role", "get", "reader"),
        ctl(ALICE, "role", "get", "root"),
        ctl(ALICE, "role", "add", "x"),
        ctl(ALICE, "auth", "disable"),
        ctl(ALICE, "member", "list").unordered(),
        ctl("--user=alice:wrong", "get", "foo/a"),
        ctl("--user=nobody:pw", "get", "foo/a"),
        ctl("--user=cnonly:x", "get", "foo/a"),
        ctl(ROOT, "user", "get", "alice", "--detail"),
        ctl(ALICE, "user", "get", "alice", "--detail"),
        ctl(ROOT, "user", "revoke-role", "root", "root"),
        ctl(ROOT, "user", "delete", "root"),
        ctl(ROOT, "role", "delete", "root"),
        ctl(ROOT, "role", "revoke-permission", "reader", "rw"),
        ctl(ALICE, "put", "rw", "v3"),
        ctl(ROOT, "user", "passwd", "alice", "--interactive=false").stdin("newpw\n"),
        ctl(ALICE, "get", "foo/a"),
        ctl("--user=alice:newpw", "get", "foo/a"),
        ctl(ROOT, "role", "delete", "reader"),
        ctl(ROOT, "user", "get", "alice"),
        ctl("--user=alice:newpw", "get", "foo/a"),
        ctl(ROOT, "user", "list"),
        ctl(ROOT, "auth", "enable"),
        ctl(ROOT, "auth", "disable"),
        // auth off again
        ctl("get", "foo/a"),
        ctl("put", "other", "z"),
        ctl(ROOT, "get", "foo/a"),
        ctl("auth", "disable"),
        ctl("user", "delete", "root"),
        ctl("user", "list"));
  }
}

package dev.raftkv.compat;

import static dev.raftkv.compat.CtlCase.ctl;
import static dev.raftkv.compat.WatchCase.watch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code etcdctl} 3.4 against a 3-member raftkv and a 3-member real etcd (the oracle):
 * every step runs the same command on both, in the same order, and the outputs must be equal after
 * {@link OutputNormalizer} masks ids, endpoints, terms, indexes, versions, sizes and timings. Both
 * clusters start empty, so revisions match exactly. A case is one line in a list below; a failure
 * shows the command, what etcd printed and what raftkv printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdctlCompatIT {
  private RealEtcdCluster etcd;
  private RaftkvCluster raftkv;
  private ClusterSide expected;
  private ClusterSide actual;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Binaries.requireEtcdctl();
    Binaries.requireEtcd();
    // etcd's default timings on both, so a loaded machine does not cause elections mid-suite
    etcd = RealEtcdCluster.start(dir.resolve("etcd"), 3, 100, 1000);
    raftkv = RaftkvCluster.start(dir.resolve("raftkv"), 3, 100, 1000);
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

  /**
   * Waits until the real etcd accepts membership changes. With its strict reconfiguration check
   * (the default), etcd answers {@code etcdserver: unhealthy cluster} until every member has been
   * connected for 5 s; the suite can reach its first {@code member add} sooner (seen twice on CI).
   * Asks with the next step's own command, which changes nothing (its peer URL is taken), until the
   * answer is another one; 20 s at most. raftkv is not asked: it has no such wait.
   */
  private static final class AwaitEtcdReconfigurable implements Step {
    @Override
    public String name() {
      return "(wait until etcd accepts membership changes)";
    }

    @Override
    public void run(ClusterSide etcd, ClusterSide raftkv) throws Exception {
      CtlCase probe = ctl("member", "add", "dup", "--peer-urls={peer1}", "--learner");
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (probe.runOn(etcd).stderr().contains("etcdserver: unhealthy cluster")) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("etcd still answers 'unhealthy cluster' after 20 s");
        }
        Thread.sleep(250);
      }
    }
  }

  private Stream<DynamicTest> steps(List<Step> steps) {
    return steps.stream()
        .map(s -> DynamicTest.dynamicTest(s.name(), () -> s.run(expected, actual)));
  }

  @TestFactory
  @Order(1)
  Stream<DynamicTest> putGetDelete() {
    return steps(
        List.of(
            ctl("put", "foo", "bar"),
            ctl("put", "foo", "bar2", "--prev-kv"),
            ctl("put", "foo", "bar3", "--prev-kv", "-w", "json"),
            ctl("get", "foo"),
            ctl("get", "foo", "-w", "json"),
            ctl("put", "fop", "v"),
            ctl("put", "a/1", "x3"),
            ctl("put", "a/2", "x1"),
            ctl("put", "a/3", "x2"),
            ctl("put", "b/1", "y"),
            ctl("put", "a/2", "x1b"),
            ctl("get", "a/", "--prefix"),
            ctl("get", "a/", "--prefix", "-w", "json"),
            ctl("get", "a/", "--prefix", "--keys-only"),
            ctl("get", "a/", "--prefix", "--count-only"),
            ctl("get", "a/", "--prefix", "--count-only", "-w", "json"),
            ctl("get", "a/", "--prefix", "--print-value-only"),
            ctl("get", "a/", "--prefix", "--limit=2"),
            ctl("get", "a/", "--prefix", "--limit=2", "-w", "json"),
            // the largest limit means every key (raftkv once overflowed limit + 1 and sent none)
            ctl("get", "a/", "--prefix", "--limit=9223372036854775807", "-w", "json"),
            ctl("get", "a/", "--from-key"),
            ctl("get", "a/2", "--from-key", "--keys-only"),
            ctl("get", "a/1", "a/3"),
            ctl("get", "a/", "--prefix", "--sort-by=VALUE", "--order=DESCEND"),
            ctl("get", "a/", "--prefix", "--sort-by=VALUE", "--order=ASCEND", "--limit=2"),
            ctl("get", "a/", "--prefix", "--sort-by=MODIFY", "--order=DESCEND", "-w", "json"),
            ctl("get", "a/", "--prefix", "--sort-by=CREATE", "--order=DESCEND", "--keys-only"),
            ctl("get", "a/", "--prefix", "--sort-by=VERSION", "--order=DESCEND", "--keys-only"),
            ctl("get", "a/", "--prefix", "--sort-by=KEY", "--order=DESCEND", "--limit=1"),
            ctl("get", "foo", "--rev=2"),
            ctl("get", "foo", "--rev=3", "-w", "json"),
            ctl("get", "a/", "--prefix", "--rev=8"),
            ctl("get", "foo", "--rev=1000"),
            ctl("get", "nope"),
            ctl("get", "nope", "-w", "json"),
            ctl("get", "foo", "--consistency=s"),
            ctl("get", "a/", "--prefix", "--consistency=s", "--limit=1", "-w", "json"),
            ctl("put", "foo"),
            ctl("del", "fop"),
            ctl("del", "nope"),
            ctl("del", "a/", "--prefix", "--prev-kv"),
            ctl("del", "b/1", "--prev-kv", "-w", "json"),
            ctl("get", "", "--prefix", "--keys-only"),
            ctl("put", "h/1", "v1"),
            ctl("put", "h/1", "--ignore-value"),
            ctl("put", "h/2", "--ignore-value"),
            ctl("put", "h/1", "v2", "--ignore-lease"),
            ctl("get", "h/1", "--hex"),
            ctl("get", "h/", "--prefix", "-w", "json", "--hex"),
            ctl("put", "h/3", "v3"),
            ctl("del", "h/2", "--from-key", "--prev-kv"),
            ctl("get", "h/", "--prefix", "--rev=0")));
  }

  @TestFactory
  @Order(2)
  Stream<DynamicTest> txn() {
    return steps(
        List.of(
            ctl("txn", "-i")
                .stdin("value(\"foo\") = \"bar3\"\n\nput t/1 one\nget foo\n\nget t/1\n\n"),
            ctl("txn", "-i")
                .stdin("value(\"foo\") = \"nope\"\n\nput t/1 one\n\nget t/1\nput t/2 two\n\n"),
            ctl("txn", "-i", "-w", "json")
                .stdin("mod(\"foo\") > \"0\"\nversion(\"nope\") = \"0\"\n\ndel t/1\n\nget foo\n\n"),
            ctl("txn", "-i").stdin("create(\"t/2\") < \"1000\"\n\nget t/ --prefix\n\n\n"),
            ctl("txn", "-i", "-w", "json")
                .stdin("\nput t/5 five --prev-kv\nget t/ --prefix --limit=1\ndel t/9\n\n\n"),
            ctl("txn").stdin("value(\"foo\") != \"bar3\"\n\n\nput t/3 three\nget t/3\n\n"),
            ctl("txn", "-i").stdin("\nput t/4 a\nput t/4 b\n\n\n"),
            ctl("txn", "-i").stdin("bogus(\"foo\") = \"x\"\n\n\n\n")));
  }

  @TestFactory
  @Order(3)
  Stream<DynamicTest> watches() {
    return steps(
        List.of(
            ctl("put", "w/start", "s"),
            ctl("get", "w/start", "-w", "json").captureNumber("wnext", "\"revision\":(\\d+)", 1),
            watch(
                ctl("watch", "w/", "--prefix", "--rev={wnext}"),
                "w/end",
                ctl("put", "w/1", "a"),
                ctl("put", "w/1", "b"),
                ctl("del", "w/1"),
                ctl("txn").stdin("\nput w/2 x\nput w/3 y\n\n\n"),
                ctl("put", "w/end", "z")),
            watch(ctl("watch", "w/1", "--rev={wnext}", "--prev-kv"), "DELETE"),
            watch(
                ctl("watch", "w/", "--prefix", "--rev={wnext}", "--prev-kv", "-w", "json"),
                "dy9lbmQ=" /* w/end */),
            watch(
                ctl("watch", "w/2", "w/4", "--rev={wnext}"),
                "\nw/3\ny\n" /* a range: w/2, w/3 */)));
  }

  @TestFactory
  @Order(4)
  Stream<DynamicTest> leases() {
    return steps(
        List.of(
            ctl("lease", "grant", "60").captureId("lease1", "lease (\\w+) granted"),
            ctl("put", "--lease={lease1}", "l/1", "v"),
            ctl("put", "--lease={lease1}", "l/2", "v"),
            ctl("lease", "timetolive", "{lease1}", "--keys").unorderedLeaseKeys(),
            ctl("lease", "timetolive", "{lease1}", "--keys").onFollower().unorderedLeaseKeys(),
            ctl("lease", "timetolive", "{lease1}", "--keys", "-w", "json").unorderedLeaseKeys(),
            ctl("lease", "keep-alive", "--once", "{lease1}"),
            ctl("lease", "keep-alive", "--once", "{lease1}").onFollower(),
            ctl("lease", "list"),
            ctl("lease", "revoke", "{lease1}"),
            ctl("get", "l/", "--prefix"),
            ctl("lease", "timetolive", "{lease1}"),
            ctl("lease", "revoke", "{lease1}"),
            ctl("put", "--lease=1234abcd", "l/3", "v"),
            ctl("lease", "grant", "99999999999"),
            ctl("lease", "timetolive", "1234abcd").onFollower(),
            ctl("lease", "keep-alive", "--once", "1234abcd").onFollower(),
            ctl("lease", "grant", "1").captureId("lease2", "lease (\\w+) granted"),
            ctl("lease", "list")));
  }

  @TestFactory
  @Order(5)
  Stream<DynamicTest> compaction() {
    return steps(
        List.of(
            ctl("put", "c/1", "a"),
            ctl("put", "c/1", "b"),
            ctl("get", "c/1", "-w", "json").captureNumber("crev", "\"revision\":(\\d+)", 0),
            ctl("compaction", "{crev}"),
            ctl("get", "c/1", "--rev=2"),
            ctl("get", "c/1", "--rev={crev}"),
            ctl("compaction", "2"),
            ctl("compaction", "100000"),
            ctl("watch", "c/1", "--rev=2"),
            ctl("compaction", "--physical", "{crev}")));
  }

  @TestFactory
  @Order(6)
  Stream<DynamicTest> maintenanceAndCluster() {
    return steps(
        List.of(
            ctl("member", "list").unordered(),
            ctl("member", "list", "-w", "table").unordered(),
            new AwaitEtcdReconfigurable(),
            ctl("member", "add", "dup", "--peer-urls={peer1}", "--learner"),
            ctl("member", "add", "newbie", "--peer-urls=http://127.0.0.1:1", "--learner")
                .captureId("newbie", "Member +(\\w+) added"),
            ctl("member", "list").unordered(),
            ctl("member", "promote", "{newbie}"),
            ctl("member", "update", "{newbie}", "--peer-urls=http://127.0.0.1:2"),
            ctl("member", "remove", "{newbie}"),
            ctl("member", "remove", "{newbie}"),
            ctl("member", "promote", "{member1}"),
            ctl("member", "list").unordered(),
            SideAction.makeLeader(0),
            ctl("move-leader", "{member2}"),
            ctl("endpoint", "status", "-w", "json"),
            ctl("endpoint", "status", "-w", "table"),
            ctl("endpoint", "health").unordered(),
            ctl("endpoint", "health", "-w", "json").unorderedJsonArray(),
            ctl("endpoint", "health", "-w", "table").unordered(),
            ctl("alarm", "list"),
            ctl("defrag"),
            ctl("lock", "mylock", "echo", "held"),
            watch(ctl("elect", "myelection", "p1").maskSessionKeys(), "p1"),
            ctl("snapshot", "save", "{dir}/snap.db").on(0),
            ctl("snapshot", "save", "{dir}/snap.db"),
            ctl("move-leader", "ffff")));
  }
}

package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code etcdctl check perf --load=s} (50 clients, 150 writes/s for 60 s; PASS needs at least 90 %
 * of that throughput, no request slower than 500 ms and a standard deviation under 100 ms) must
 * PASS against a 3-member raftkv. Prints etcdctl's figures. Run only against raftkv: the same
 * minute against etcd would double the suite's time and checks nothing about raftkv.
 */
class EtcdctlCheckPerfTest {
  @TempDir Path dir;

  @Test
  void checkPerfSmallLoadPassesAgainstRaftkv() throws Exception {
    Binaries.requireEtcdctl();
    try (RaftkvCluster raftkv = RaftkvCluster.start(dir, 3)) {
      Etcdctl.Result r = new Etcdctl(raftkv.endpoints()).run("check", "perf", "--load=s");
      System.out.println("etcdctl check perf --load=s against raftkv:\n" + r.all());
      assertThat(r.stdout()).as(r.all()).contains("PASS: Throughput is");
      assertThat(r.stdout()).as(r.all()).contains("PASS: Slowest request took");
      assertThat(r.stdout()).as(r.all()).contains("PASS: Stddev is");
      assertThat(r.stdout().strip()).as(r.all()).endsWith("PASS");
      assertThat(r.exitCode()).as(r.all()).isZero();
    }
  }
}

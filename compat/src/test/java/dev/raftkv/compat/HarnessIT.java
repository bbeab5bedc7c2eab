package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both clusters the compatibility suites use start, serve etcdctl, and stop. */
class HarnessIT {
  @TempDir Path dir;

  @Test
  void realEtcdAndRaftkvBothAnswerEtcdctl() throws Exception {
    Binaries.requireEtcdctl();
    Binaries.requireEtcd();
    try (RealEtcdCluster etcd = RealEtcdCluster.start(dir.resolve("etcd"), 3);
        RaftkvCluster raftkv = RaftkvCluster.start(dir.resolve("raftkv"), 3)) {
      for (String endpoints : new String[] {etcd.endpoints(), raftkv.endpoints()}) {
        Etcdctl etcdctl = new Etcdctl(endpoints);
        Etcdctl.Result put = etcdctl.run("put", "k", "v");
        assertThat(put.exitCode()).as(put.all()).isZero();
        Etcdctl.Result get = etcdctl.run("get", "k");
        assertThat(get.stdout()).as(get.all()).isEqualTo("k\nv\n");
      }
    }
  }
}

package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.Range;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code etcdctl snapshot save} writes from raftkv: a tar archive of a RocksDB checkpoint
 * followed by its SHA-256, which unpacks and opens as a store with every key; and what {@code
 * etcdctl snapshot status} says of it (it expects etcd's bbolt file, so it fails).
 */
class EtcdctlSnapshotIT {
  @TempDir Path dir;

  @Test
  void snapshotSaveWritesARestorableCheckpointArchiveAndItsDigest() throws Exception {
    Binaries.requireEtcdctl();
    // etcd's default timings: with 20/200 ms a loaded machine (load average 26) caused an election
    // between the puts, and a put failed with "etcdserver: no leader"
    try (RaftkvCluster raftkv = RaftkvCluster.start(dir.resolve("cluster"), 3, 100, 1000)) {
      Etcdctl all = new Etcdctl(raftkv.endpoints());
      for (int i = 0; i < 50; i++) {
        Etcdctl.Result put = all.run("put", "snap/" + i, "value-" + i);
        assertThat(put.exitCode()).as(put.all()).isZero();
      }
      Path file = dir.resolve("raftkv.snapshot");
      // a follower's snapshot: it has every write once it applied them; save wants one endpoint
      int member = (raftkv.leader() + 1) % raftkv.size();
      Etcdctl.Result save =
          new Etcdctl(raftkv.clientEndpoints().get(member))
              .run("snapshot", "save", file.toString());
      assertThat(save.exitCode()).as(save.all()).isZero();
      assertThat(save.stdout()).isEqualTo("Snapshot saved at " + file + "\n");

      byte[] bytes = Files.readAllBytes(file);
      byte[] archive = Arrays.copyOf(bytes, bytes.length - 32);
      byte[] digest = Arrays.copyOfRange(bytes, bytes.length - 32, bytes.length);
      assertThat(MessageDigest.getInstance("SHA-256").digest(archive)).isEqualTo(digest);

      Path tarFile = dir.resolve("archive.tar");
      Files.write(tarFile, archive);
      Path out = Files.createDirectories(dir.resolve("out"));
      Process tar =
          new ProcessBuilder("tar", "-xf", tarFile.toString(), "-C", out.toString())
              .redirectErrorStream(true)
              .start();
      String printed = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(tar.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(tar.exitValue()).as(printed).isZero();
      assertThat(out.resolve("db").resolve("CURRENT")).exists();
      try (KvStore restored = KvStore.restore(out.resolve("db"), dir.resolve("restored"))) {
        assertThat(restored.revision()).isEqualTo(51);
        assertThat(restored.range(Range.prefix("snap/".getBytes(StandardCharsets.UTF_8))).count())
            .isEqualTo(50);
      }

      Etcdctl.Result status = all.run("snapshot", "status", file.toString());
      System.out.println("etcdctl snapshot status of a raftkv snapshot:\n" + status.all());
      assertThat(status.exitCode()).as(status.all()).isNotZero();
      assertThat(status.stderr()).as(status.all()).contains("Error: invalid database");
      Etcdctl.Result restore =
          all.run(
              "snapshot", "restore", file.toString(), "--data-dir=" + dir.resolve("etcd-restore"));
      System.out.println("etcdctl snapshot restore of a raftkv snapshot:\n" + restore.all());
      assertThat(restore.exitCode()).as(restore.all()).isNotZero();
      assertThat(restore.stderr()).as(restore.all()).contains("(invalid database)");
    }
  }
}

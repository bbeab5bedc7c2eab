package dev.raftkv.server;

import static dev.raftkv.raft.ConfChange.Type.ADD_VOTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.kv.AuthRequest;
import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.LeaseGrantRequest;
import dev.raftkv.kv.Member;
import dev.raftkv.kv.MemberChange;
import dev.raftkv.kv.Put;
import dev.raftkv.raft.ConfChange;
import dev.raftkv.storage.DiskStorage;
import dev.raftkv.storage.StorageOptions;
import dev.raftkv.storage.StoredIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SnapshotStatus} and {@link SnapshotRestore} on files made as etcdctl saves them. */
class SnapshotRestoreTest {
  @TempDir Path dir;
  private Path file;
  private long hash;
  private long size;

  private static final Map<String, URI> CLUSTER =
      Map.of(
          "n1", URI.create("http://127.0.0.1:12380"),
          "n2", URI.create("http://127.0.0.1:22380"),
          "n3", URI.create("http://127.0.0.1:32380"));

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A store at revision 5 (a lease, four puts), a user, and applied index 7 whose old cluster had
   * members 7 and 8 (8 removed), saved as {@link SnapshotStream} sends it.
   */
  @BeforeEach
  void save() throws Exception {
    Path checkpoint = dir.resolve("checkpoint");
    try (KvStore store = KvStore.open(dir.resolve("src"), KvOptions.DEFAULTS.withGrantedLeases())) {
      store.apply(1, List.of(new LeaseGrantRequest(42, 3600)));
      store.apply(2, List.of(Put.of(b("a"), b("1"))));
      store.apply(3, List.of(Put.of(b("a"), b("2"))));
      store.apply(4, List.of(new Put(b("l"), b("v"), 42, false, false, false)));
      store.apply(5, List.of(Put.of(b("b"), b("1"))));
      store.apply(
          6,
          List.of(
              new MemberChange(ADD_VOTER, 7, List.of("http://10.0.0.7:2380")),
              new MemberChange(ADD_VOTER, 8, List.of("http://10.0.0.8:2380")),
              new AuthRequest.UserAdd("alice", "hash", false)));
      store.apply(7, List.of(new MemberChange(ConfChange.Type.REMOVE, 8, List.of())));
      assertThat(store.removedMembers()).containsExactly(8L);
      hash = store.hash();
      store.checkpoint(checkpoint);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream tar = DirectoryTar.of(checkpoint, "db")) {
      tar.transferTo(out);
    }
    byte[] archive = out.toByteArray();
    out.write(MessageDigest.getInstance("SHA-256").digest(archive));
    file = dir.resolve("backup.db");
    Files.write(file, out.toByteArray());
    try (var files = Files.list(checkpoint)) {
      size = files.mapToLong(f -> f.toFile().length()).sum();
    }
  }

  @Test
  void statusReportsHashRevisionKeysAndSize() throws IOException {
    SnapshotStatus s = SnapshotStatus.of(file);
    assertThat(s.revision()).isEqualTo(5);
    assertThat(s.hash()).isEqualTo(hash);
    assertThat(s.totalSize()).isEqualTo(size);
    assertThat(s.totalKeys()).isGreaterThanOrEqualTo(4 + 1); // 4 revisions of keys + the lease
  }

  @Test
  void statusRefusesAFileThatIsNotASnapshot() throws IOException {
    Path junk = dir.resolve("junk");
    Files.write(junk, new byte[4096]);
    assertThatThrownBy(() -> SnapshotStatus.of(junk))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("snapshot file " + junk + " is not a raftkv snapshot");
    assertThatThrownBy(() -> SnapshotStatus.of(dir.resolve("missing")))
        .hasMessageContaining("does not exist");
  }

  @Test
  void statusRefusesADamagedFile() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[600] ^= 1;
    Files.write(file, bytes);
    assertThatThrownBy(() -> SnapshotStatus.of(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("SHA-256 does not match");
  }

  private SnapshotRestore restore(String name, Path dataDir) {
    return new SnapshotRestore(file, name, CLUSTER, "tok", CLUSTER.get(name), dataDir);
  }

  @Test
  void restoreBuildsADataDirWithTheNewMembershipAndEveryKey() throws IOException {
    Path data = dir.resolve("n2.raftkv");
    SnapshotRestore.Result r = restore("n2", data).run();
    long n2 = ServerConfig.memberId("n2", CLUSTER.get("n2"), "tok");
    assertThat(r.memberId()).isEqualTo(n2);
    assertThat(r.revision()).isEqualTo(5);
    assertThat(r.index()).isEqualTo(7);
    StoredIdentity id =
        DiskStorage.storedIdentity(data.resolve("raft"), StorageOptions.DEFAULT).get();
    assertThat(id.memberId()).isEqualTo(n2);
    assertThat(id.clusterId()).isEqualTo(r.clusterId());
    try (DiskStorage log =
        DiskStorage.open(
            data.resolve("raft"),
            StorageOptions.DEFAULT,
            r.clusterId(),
            n2,
            dev.raftkv.raft.ConfState.EMPTY)) {
      assertThat(log.snapshot().metadata().index()).isEqualTo(7);
      assertThat(log.snapshot().metadata().term()).isEqualTo(1);
      assertThat(log.snapshot().metadata().conf().voters()).hasSize(3).contains(n2);
      assertThat(log.initialState().hardState().commit()).isEqualTo(7);
      assertThat(log.lastIndex()).isEqualTo(7);
    }
    assertThat(data.resolve("db.snap-0000000000000007")).isDirectory();
    try (KvStore store = KvStore.open(data.resolve("db"))) {
      assertThat(store.revision()).isEqualTo(5);
      assertThat(store.appliedIndex()).isEqualTo(7);
      assertThat(store.removedMembers()).isEmpty();
      assertThat(store.hash()).isEqualTo(hash);
      assertThat(store.members())
          .extracting(Member::peerUrls)
          .containsExactlyInAnyOrder(
              List.of("http://127.0.0.1:12380"),
              List.of("http://127.0.0.1:22380"),
              List.of("http://127.0.0.1:32380"));
      assertThat(store.lease(42)).isNotNull();
      assertThat(store.keysWithLease(42)).hasSize(1);
      assertThat(store.auth().user("alice")).isNotNull();
    }
  }

  @Test
  void restoreRefusesANameNotInTheInitialCluster() {
    SnapshotRestore r =
        new SnapshotRestore(
            file, "n9", CLUSTER, "tok", URI.create("http://127.0.0.1:9"), dir.resolve("d"));
    assertThatThrownBy(r::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--name n9 is not in --initial-cluster (it names n1, n2, n3)");
    assertThat(dir.resolve("d")).doesNotExist();
  }

  @Test
  void restoreRefusesAPeerUrlOtherThanTheMembers() {
    SnapshotRestore r =
        new SnapshotRestore(
            file, "n1", CLUSTER, "tok", URI.create("http://127.0.0.1:9"), dir.resolve("d"));
    assertThatThrownBy(r::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--initial-advertise-peer-urls http://127.0.0.1:9 does not match");
  }

  @Test
  void restoreRefusesAnExistingDataDirAndLeavesItAlone() throws IOException {
    Path data = Files.createDirectories(dir.resolve("used"));
    Files.writeString(data.resolve("keep"), "x");
    assertThatThrownBy(() -> restore("n1", data).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--data-dir " + data + " exists and is not empty: refusing to overwrite it");
    assertThat(data.resolve("keep")).hasContent("x");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    restore("n1", empty).run();
    assertThat(empty.resolve("raft")).isDirectory();
  }

  @Test
  void restoreOfABadFileLeavesNoDataDir() throws IOException {
    Files.write(file, b("not a snapshot"));
    Path data = dir.resolve("n1.raftkv");
    assertThatThrownBy(() -> restore("n1", data).run())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not a raftkv snapshot");
    assertThat(data).doesNotExist();
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("restoring"));
    }
  }
}

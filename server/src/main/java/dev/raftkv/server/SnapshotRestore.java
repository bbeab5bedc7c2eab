package dev.raftkv.server;

import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.Member;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.storage.DiskStorage;
import dev.raftkv.storage.StorageOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code raftkv snapshot restore}: builds one member's data dir for a new cluster from a snapshot
 * file saved by {@code etcdctl snapshot save} (etcd's {@code snapshot restore}). The data dir is
 * what the member would hold had it applied a Raft snapshot at index {@code I} (the file's applied
 * index, at least the number of members), term 1, whose configuration is the members of {@code
 * --initial-cluster}:
 *
 * <ul>
 *   <li>{@code db}: the file's store — every key at its revision, leases, auth — with the member
 *       records replaced by the new members and the applied index set to {@code I};
 *   <li>{@code db.snap-I}: a checkpoint of it, which the Raft snapshot refers to;
 *   <li>{@code raft}: the member file (the new cluster and member ids, computed from the flags as
 *       {@code raftkv server --initial-cluster-state new} computes them), the snapshot and a hard
 *       state of term 1 committed to {@code I}; the log starts after it.
 * </ul>
 *
 * The dir is built under a temporary name beside it, synced, and renamed into place, so a failure
 * leaves no half-built data dir.
 *
 * @param file the snapshot file
 * @param name this member's name, one of {@code initialCluster}
 * @param initialCluster every member's name and peer URL
 * @param token the new cluster's token
 * @param advertisePeerUrl this member's peer URL; must be its URL in {@code initialCluster}
 * @param dataDir the data dir to build; must not exist or be empty
 */
public record SnapshotRestore(
    Path file,
    String name,
    Map<String, URI> initialCluster,
    String token,
    URI advertisePeerUrl,
    Path dataDir) {

  /** The term of the restored snapshot and hard state. */
  static final long TERM = 1;

  public SnapshotRestore {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(name, "name");
    initialCluster = Map.copyOf(initialCluster);
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(dataDir, "dataDir");
  }

  /** What a restore made: the ids and the index the new cluster's log starts after. */
  public record Result(long clusterId, long memberId, long index, long revision) {}

  /**
   * Builds the data dir.
   *
   * @throws IllegalArgumentException naming the flag that is wrong: {@code --name} not in {@code
   *     --initial-cluster}, {@code --initial-advertise-peer-urls} not its URL there, or {@code
   *     --data-dir} existing and not empty
   * @throws IOException naming the snapshot file and what is wrong with it, or the disk failure
   */
  public Result run() throws IOException {
    URI url = initialCluster.get(name);
    if (url == null) {
      throw new IllegalArgumentException(
          "--name "
              + name
              + " is not in --initial-cluster (it names "
              + String.join(", ", new TreeSet<>(initialCluster.keySet()))
              + ")");
    }
    if (advertisePeerUrl != null && !advertisePeerUrl.equals(url)) {
      throw new IllegalArgumentException(
          "--initial-advertise-peer-urls "
              + advertisePeerUrl
              + " does not match --initial-cluster, which gives "
              + name
              + "="
              + url);
    }
    if (Files.exists(dataDir) && !isEmptyDir(dataDir)) {
      throw new IllegalArgumentException(
          "--data-dir " + dataDir + " exists and is not empty: refusing to overwrite it");
    }
    Set<Long> ids = new TreeSet<>();
    List<Member> members = new ArrayList<>();
    for (Map.Entry<String, URI> e : initialCluster.entrySet()) {
      long id = ServerConfig.memberId(e.getKey(), e.getValue(), token);
      if (!ids.add(id)) {
        throw new IllegalArgumentException(
            "--initial-cluster gives two members the same id " + Long.toHexString(id));
      }
      members.add(new Member(id, "", List.of(e.getValue().toString()), List.of(), false));
    }
    long memberId = ServerConfig.memberId(name, url, token);
    long clusterId = ServerConfig.clusterId(ids, token);

    Path target = dataDir.toAbsolutePath();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path staging = parent.resolve("." + target.getFileName() + ".restoring-" + System.nanoTime());
    try {
      Files.createDirectory(staging);
      Path db = staging.resolve("db");
      SnapshotFile.unpack(file, db);
      long index;
      long revision;
      byte[] reference;
      try (KvStore store = KvStore.open(db, KvOptions.DEFAULTS.withGrantedLeases())) {
        index = Math.max(store.appliedIndex(), members.size());
        revision = store.revision();
        store.resetMembership(index, members);
        reference = KvStateMachine.keepCheckpoint(db, store);
      }
      SnapshotFile.syncDir(db);
      try (DiskStorage log =
          DiskStorage.open(
              staging.resolve("raft"),
              StorageOptions.DEFAULT,
              clusterId,
              memberId,
              ConfState.EMPTY)) {
        log.applySnapshot(
            new Snapshot(new SnapshotMetadata(index, TERM, ConfState.ofVoters(ids)), reference));
        log.setHardState(new HardState(TERM, 0, index));
        log.syncNow();
      }
      SnapshotFile.syncDir(staging);
      if (Files.exists(target)) {
        Files.delete(target); // empty, checked above
      }
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      SnapshotFile.syncDir(parent);
      return new Result(clusterId, memberId, index, revision);
    } finally {
      SnapshotStatus.deleteTree(staging);
    }
  }

  private static boolean isEmptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}

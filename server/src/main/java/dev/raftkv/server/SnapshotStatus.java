package dev.raftkv.server;

import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What {@code raftkv snapshot status} reports of a snapshot file, etcd's {@code snapshot status}
 * fields.
 *
 * @param hash the store's hash (a CRC32 over its history, as {@code Maintenance.Hash} answers)
 * @param revision the store revision the file holds
 * @param totalKeys the records of every column family (every revision of every key, leases,
 *     members, auth, metadata), as etcd counts every key of every bucket
 * @param totalSize the bytes of the store's files in the archive
 */
public record SnapshotStatus(long hash, long revision, long totalKeys, long totalSize) {

  /**
   * Reads {@code file} (saved by {@code etcdctl snapshot save} from raftkv): checks its digest,
   * unpacks it into a temporary directory (deleted afterwards) and opens the store.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  public static SnapshotStatus of(Path file) throws IOException {
    Path tmp = Files.createTempDirectory("raftkv-snapshot-status-");
    try {
      Path db = tmp.resolve("db");
      long size = SnapshotFile.unpack(file, db);
      try (KvStore store = KvStore.open(db, KvOptions.DEFAULTS)) {
        return new SnapshotStatus(store.hash(), store.revision(), store.totalRecords(), size);
      }
    } finally {
      deleteTree(tmp);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

package dev.raftkv.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** The directory chores of checkpoints and restores: copy one into place, sync, delete. */
final class Dirs {
  private Dirs() {}

  /**
   * Copies the files of {@code checkpointDir} into {@code dataDir}, which must be absent or empty,
   * and syncs each file, {@code dataDir} and its parent before returning: RocksDB runs without its
   * own WAL here, so a store restored and then cut off by a power loss must not come back with
   * files its MANIFEST names but the disk never got.
   */
  static void copyCheckpoint(Path checkpointDir, Path dataDir) {
    try {
      if (Files.isDirectory(dataDir)) {
        try (Stream<Path> s = Files.list(dataDir)) {
          if (s.findAny().isPresent()) {
            throw new IllegalArgumentException("restore target is not empty: " + dataDir);
          }
        }
      }
      Files.createDirectories(dataDir);
      try (Stream<Path> files = Files.list(checkpointDir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Path copy = dataDir.resolve(f.getFileName());
          Files.copy(f, copy, StandardCopyOption.COPY_ATTRIBUTES);
          try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
      syncDir(dataDir);
      syncDir(dataDir.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes the entries of directory {@code dir} (names created, renamed or deleted) durable. */
  /**
   * The bytes of the regular files directly in {@code dir}; a file deleted while they are listed
   * (RocksDB compacting) counts for nothing.
   *
   * @throws IOException if the directory cannot be listed
   */
  static long filesSize(Path dir) throws IOException {
    long total = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        try {
          total += Files.size(f);
        } catch (IOException gone) {
          // deleted while we looked: takes no space
        }
      }
    }
    return total;
  }

  static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Deletes {@code dir} and everything under it, if it exists. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + dir, e);
    }
  }
}

package dev.raftkv.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** The directory chores of checkpoints and restores: copy one into place, delete one. */
final class Dirs {
  private Dirs() {}

  /**
   * Copies the files of {@code checkpointDir} into {@code dataDir}, which must be absent or empty.
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
          Files.copy(f, dataDir.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

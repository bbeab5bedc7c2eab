package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive {@link DirectoryTar} writes is one the system's {@code tar} unpacks byte for byte.
 */
class DirectoryTarTest {
  @TempDir Path dir;

  @Test
  void systemTarUnpacksTheArchiveToTheSameFiles() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Random random = new Random(7);
    int[] sizes = {0, 1, 511, 512, 513, 100_000};
    for (int i = 0; i < sizes.length; i++) {
      byte[] content = new byte[sizes[i]];
      random.nextBytes(content);
      Files.write(src.resolve(String.format("%06d.sst", i)), content);
    }
    Path tarFile = dir.resolve("a.tar");
    long length;
    try (DirectoryTar tar = DirectoryTar.of(src, "db")) {
      length = tar.length();
      // read in odd-sized pieces to cross every block boundary
      try (var out = Files.newOutputStream(tarFile)) {
        byte[] buf = new byte[777];
        int n;
        while ((n = tar.read(buf, 0, buf.length)) > 0) {
          out.write(buf, 0, n);
        }
      }
    }
    assertThat(Files.size(tarFile)).isEqualTo(length);
    assertThat(length % DirectoryTar.BLOCK).isZero();

    Path out = Files.createDirectories(dir.resolve("out"));
    Process p =
        new ProcessBuilder("tar", "-xf", tarFile.toString(), "-C", out.toString())
            .redirectErrorStream(true)
            .start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(printed).isZero();
    for (int i = 0; i < sizes.length; i++) {
      String name = String.format("%06d.sst", i);
      assertThat(Files.readAllBytes(out.resolve("db").resolve(name)))
          .as(name)
          .isEqualTo(Files.readAllBytes(src.resolve(name)));
    }
  }

  @Test
  void anEmptyDirectoryIsTheTwoEndBlocks() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    try (InputStream tar = DirectoryTar.of(empty, "db")) {
      assertThat(tar.readAllBytes()).isEqualTo(new byte[2 * DirectoryTar.BLOCK]);
    }
  }

  @Test
  void aSubdirectoryIsRefusedByName() throws IOException {
    Files.createDirectories(dir.resolve("src/sub"));
    assertThatThrownBy(() -> DirectoryTar.of(dir.resolve("src"), "db"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sub")
        .hasMessageContaining("not a regular file");
  }

  @Test
  void aFileThatShrinksWhileArchivedFailsTheRead() throws IOException {
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.write(src.resolve("f"), new byte[4096]);
    try (DirectoryTar tar = DirectoryTar.of(src, "db")) {
      Files.write(src.resolve("f"), new byte[10]);
      assertThatThrownBy(tar::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("became shorter");
    }
  }
}

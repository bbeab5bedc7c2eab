package dev.raftkv.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A snapshot file as {@code etcdctl snapshot save} writes it from raftkv's {@code
 * Maintenance.Snapshot} stream ({@link SnapshotStream}): a ustar archive of a RocksDB checkpoint
 * (members named {@code db/FILE}, {@link DirectoryTar}) followed by the SHA-256 of the archive (32
 * bytes). {@link #unpack} checks the digest and writes the checkpoint's files into a directory.
 */
final class SnapshotFile {
  private static final int DIGEST = 32;
  private static final int BLOCK = DirectoryTar.BLOCK;
  private static final String PREFIX = "db/";

  private SnapshotFile() {}

  /**
   * Checks {@code file}'s digest, then unpacks its checkpoint into {@code dir} (created; must not
   * exist), every file and the directory synced.
   *
   * @return the total size of the unpacked files
   * @throws IOException naming the file and what is wrong with it: missing, too short, digest
   *     mismatch (not a raftkv snapshot, or damaged), or a bad archive
   */
  static long unpack(Path file, Path dir) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("snapshot file " + file + " does not exist or is not a file");
    }
    long size = Files.size(file);
    if (size < DIGEST + 2L * BLOCK || (size - DIGEST) % BLOCK != 0) {
      throw notOurs(file, "its size " + size + " is not an archive of 512-byte blocks + 32");
    }
    checkDigest(file, size - DIGEST);
    Files.createDirectory(dir);
    long total = 0;
    boolean any = false;
    try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      long left = size - DIGEST;
      byte[] header = new byte[BLOCK];
      while (true) {
        if (left < BLOCK || in.readNBytes(header, 0, BLOCK) != BLOCK) {
          throw notOurs(file, "the archive ends without its end blocks");
        }
        left -= BLOCK;
        if (isZero(header)) {
          break;
        }
        String name = cString(header, 0, 100);
        long length = octal(file, header, 124, 12);
        if (!name.startsWith(PREFIX)
            || name.length() == PREFIX.length()
            || name.substring(PREFIX.length()).contains("/")
            || name.startsWith(PREFIX + ".")
            || header[156] != '0') {
          throw notOurs(file, "unexpected archive member '" + name + "'");
        }
        long padded = (length + BLOCK - 1) / BLOCK * BLOCK;
        if (padded > left) {
          throw notOurs(file, "member " + name + " runs past the end of the archive");
        }
        Path out = dir.resolve(name.substring(PREFIX.length()));
        try (FileChannel ch =
            FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          copy(in, ch, length, file);
          ch.force(true);
        }
        in.skipNBytes(padded - length);
        left -= padded;
        total += length;
        any = true;
      }
    }
    if (!any) {
      throw notOurs(file, "the archive holds no files");
    }
    syncDir(dir);
    return total;
  }

  private static void copy(InputStream in, FileChannel out, long length, Path file)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    long left = length;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw notOurs(file, "the archive ends inside a file");
      }
      ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
      while (b.hasRemaining()) {
        out.write(b);
      }
      left -= n;
    }
  }

  private static void checkDigest(Path file, long archiveLength) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    byte[] stored;
    try (InputStream raw = Files.newInputStream(file);
        DigestInputStream in = new DigestInputStream(raw, sha256)) {
      byte[] buf = new byte[1 << 16];
      long left = archiveLength;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw notOurs(file, "it is shorter than its size");
        }
        left -= n;
      }
      in.on(false);
      stored = in.readNBytes(DIGEST);
    }
    if (!Arrays.equals(stored, sha256.digest())) {
      throw notOurs(
          file,
          "its SHA-256 does not match the 32 bytes at its end (damaged, or not saved from raftkv)");
    }
  }

  private static IOException notOurs(Path file, String why) {
    return new IOException(
        "snapshot file " + file + " is not a raftkv snapshot saved by etcdctl: " + why);
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String cString(byte[] b, int at, int max) {
    int end = at;
    while (end < at + max && b[end] != 0) {
      end++;
    }
    return new String(b, at, end - at, StandardCharsets.UTF_8);
  }

  private static long octal(Path file, byte[] b, int at, int max) throws IOException {
    String s = cString(b, at, max).trim();
    try {
      return Long.parseLong(s, 8);
    } catch (NumberFormatException e) {
      throw notOurs(file, "bad size field '" + s + "' in the archive");
    }
  }

  /** Syncs a directory's entries. */
  static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}

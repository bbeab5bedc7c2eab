package dev.raftkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The {@code member} file: which cluster and member a data dir belongs to, so a node never joins a
 * cluster whose id differs. Text: {@code cluster-id=<16 hex>\nmember-id=<16 hex>\ncrc32c=<8
 * hex>\n}, the checksum covering the first two lines. Written once, atomically.
 */
final class MemberFile {
  static final String NAME = "member";

  private MemberFile() {}

  /**
   * Creates the file if absent, otherwise checks it.
   *
   * @throws StorageCorruptedException if the file is unreadable or names another cluster or member
   */
  static void checkOrCreate(FileIo io, Path dataDir, long clusterId, long memberId)
      throws IOException {
    Path p = dataDir.resolve(NAME);
    String body = String.format("cluster-id=%016x\nmember-id=%016x\n", clusterId, memberId);
    if (!io.exists(p)) {
      String text = body + String.format("crc32c=%08x\n", crc(body));
      Path tmp = dataDir.resolve(NAME + ".tmp");
      try (FileIo.Handle h = io.open(tmp)) {
        h.truncate(0);
        h.write(new ByteBuffer[] {ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))}, 0);
        h.force();
      }
      io.rename(tmp, p);
      io.fsyncDir(dataDir);
      return;
    }
    String text;
    try (FileIo.Handle h = io.open(p)) {
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(h.size(), 4096));
      h.read(b, 0);
      text = new String(b.array(), StandardCharsets.UTF_8);
    }
    String[] lines = text.split("\n");
    if (lines.length != 3
        || !lines[2].startsWith("crc32c=")
        || !lines[2].equals(String.format("crc32c=%08x", crc(lines[0] + "\n" + lines[1] + "\n")))) {
      throw new StorageCorruptedException(
          "member file " + p + " is unreadable at offset 0: bad format or checksum");
    }
    if (!(lines[0] + "\n" + lines[1] + "\n").equals(body)) {
      throw new StorageCorruptedException(
          "data dir "
              + dataDir
              + " belongs to another cluster or member (member file "
              + p
              + " at offset 0 says "
              + lines[0]
              + " "
              + lines[1]
              + String.format(
                  ", this node is cluster-id=%016x member-id=%016x)", clusterId, memberId)
              + "; refusing to start");
    }
  }

  /**
   * The cluster and member id the file in {@code dataDir} names, or null if there is no file.
   *
   * @throws StorageCorruptedException if the file is unreadable
   */
  static StoredIdentity read(FileIo io, Path dataDir) throws IOException {
    Path p = dataDir.resolve(NAME);
    if (!io.exists(p)) {
      return null;
    }
    String text;
    try (FileIo.Handle h = io.open(p)) {
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(h.size(), 4096));
      h.read(b, 0);
      text = new String(b.array(), StandardCharsets.UTF_8);
    }
    String[] lines = text.split("\n");
    if (lines.length != 3
        || !lines[0].startsWith("cluster-id=")
        || !lines[1].startsWith("member-id=")
        || !lines[2].equals(String.format("crc32c=%08x", crc(lines[0] + "\n" + lines[1] + "\n")))) {
      throw new StorageCorruptedException(
          "member file " + p + " is unreadable at offset 0: bad format or checksum");
    }
    return new StoredIdentity(
        Long.parseUnsignedLong(lines[0].substring("cluster-id=".length()), 16),
        Long.parseUnsignedLong(lines[1].substring("member-id=".length()), 16));
  }

  private static long crc(String s) {
    CRC32C c = new CRC32C();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return c.getValue();
  }
}

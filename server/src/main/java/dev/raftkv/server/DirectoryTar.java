package dev.raftkv.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The regular files of one directory as a POSIX ustar archive, read as a stream: each file is a
 * 512-byte header (name {@code PREFIX/FILE}, mode 0644, size, mtime 0) followed by its content
 * padded to a multiple of 512 bytes, and the archive ends with two zero blocks. {@code tar -xf}
 * unpacks it. The exact {@link #length()} is known before the first byte is read; files are opened
 * one at a time, so memory use does not grow with the directory. The files must not change while
 * the archive is read (a RocksDB checkpoint's files never do); a file that turns out shorter than
 * it was when listed fails the read.
 */
final class DirectoryTar extends InputStream {
  static final int BLOCK = 512;
  private static final long MAX_FILE_SIZE = 077777777777L; // 11 octal digits

  private record Member(Path file, String name, long size) {}

  private final List<Member> members;
  private final long length;
  private int next; // the member whose header comes next
  private InputStream content; // the open content of members[next - 1], or null
  private long contentLeft; // bytes of it still to read
  private final byte[] block = new byte[BLOCK];
  private int blockPos = BLOCK; // position in block; BLOCK when it is used up
  private int blockEnd = BLOCK;
  private int trailerBlocks = 2;
  private boolean closed;

  private DirectoryTar(List<Member> members) {
    this.members = members;
    long total = 2L * BLOCK;
    for (Member m : members) {
      total += BLOCK + padded(m.size());
    }
    this.length = total;
  }

  /**
   * Lists the regular files of {@code dir} (sorted by name; subdirectories are not allowed) and
   * names them {@code prefix + "/" + file name} in the archive.
   *
   * @throws IOException if the directory cannot be listed, holds something other than regular
   *     files, or a name does not fit ustar's 100 bytes
   */
  static DirectoryTar of(Path dir, String prefix) throws IOException {
    List<Member> members = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        if (!Files.isRegularFile(f)) {
          throw new IOException("cannot archive " + f + ": not a regular file");
        }
        String name = prefix + "/" + f.getFileName();
        if (name.getBytes(StandardCharsets.UTF_8).length > 99) {
          throw new IOException("cannot archive " + f + ": name longer than 99 bytes");
        }
        long size = Files.size(f);
        if (size > MAX_FILE_SIZE) {
          throw new IOException("cannot archive " + f + ": larger than 8 GiB");
        }
        members.add(new Member(f, name, size));
      }
    }
    return new DirectoryTar(members);
  }

  /** The number of bytes the whole archive has. */
  long length() {
    return length;
  }

  private static long padded(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("archive is closed");
    }
    if (len == 0) {
      return 0;
    }
    if (blockPos < blockEnd) {
      int n = Math.min(len, blockEnd - blockPos);
      System.arraycopy(block, blockPos, b, off, n);
      blockPos += n;
      return n;
    }
    if (content != null) {
      if (contentLeft > 0) {
        int n = content.read(b, off, (int) Math.min(len, contentLeft));
        if (n < 0) {
          throw new IOException(
              members.get(next - 1).file() + " became shorter while it was archived");
        }
        contentLeft -= n;
        return n;
      }
      content.close();
      content = null;
      int pad = (int) (padded(members.get(next - 1).size()) - members.get(next - 1).size());
      if (pad > 0) {
        fill(new byte[pad]);
        return read(b, off, len);
      }
    }
    if (next < members.size()) {
      Member m = members.get(next++);
      fill(header(m));
      content = Files.newInputStream(m.file());
      contentLeft = m.size();
      return read(b, off, len);
    }
    if (trailerBlocks > 0) {
      trailerBlocks--;
      fill(new byte[BLOCK]);
      return read(b, off, len);
    }
    return -1;
  }

  private void fill(byte[] bytes) {
    System.arraycopy(bytes, 0, block, 0, bytes.length);
    blockPos = 0;
    blockEnd = bytes.length;
  }

  private static byte[] header(Member m) {
    byte[] h = new byte[BLOCK];
    put(h, 0, m.name());
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format("%011o", m.size()));
    put(h, 136, "00000000000");
    h[156] = '0';
    put(h, 257, "ustar");
    put(h, 263, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    int sum = 0;
    for (byte x : h) {
      sum += x & 0xff;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static void put(byte[] h, int at, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, h, at, bytes.length);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    if (content != null) {
      content.close();
      content = null;
    }
  }
}

package dev.raftkv.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** {@link FileIo} on the real file system through {@link FileChannel}. */
public final class RealFileIo implements FileIo {
  /** The shared instance; it holds no state. */
  public static final RealFileIo INSTANCE = new RealFileIo();

  private RealFileIo() {}

  @Override
  public Handle open(Path path) throws IOException {
    FileChannel ch =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new ChannelHandle(ch);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile).forEach(out::add);
    }
    return out;
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir);
  }

  @Override
  public void delete(Path path) throws IOException {
    Files.deleteIfExists(path);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void fsyncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static final class ChannelHandle implements Handle {
    private final FileChannel ch;

    ChannelHandle(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      int total = 0;
      while (dst.hasRemaining()) {
        int n = ch.read(dst, position + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      return total;
    }

    @Override
    public void write(ByteBuffer[] srcs, long position) throws IOException {
      ch.position(position);
      long remaining = 0;
      for (ByteBuffer b : srcs) {
        remaining += b.remaining();
      }
      int first = 0;
      while (remaining > 0) {
        remaining -= ch.write(srcs, first, srcs.length - first);
        while (first < srcs.length && !srcs[first].hasRemaining()) {
          first++;
        }
      }
    }

    @Override
    public void force() throws IOException {
      ch.force(false);
    }

    @Override
    public void truncate(long size) throws IOException {
      if (size < ch.size()) {
        ch.truncate(size);
      } else if (size > ch.size()) {
        ch.write(ByteBuffer.allocate(1), size - 1);
      }
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}

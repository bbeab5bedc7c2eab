package dev.raftkv.server.metrics;

import dev.raftkv.storage.FileIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * A {@link FileIo} that times the {@code force()} of the files {@code timed} picks and tells {@code
 * observer} the nanoseconds each took, failed ones included; every call goes to the wrapped one.
 */
final class TimedFileIo implements FileIo {
  private final FileIo io;
  private final Predicate<Path> timed;
  private final LongConsumer observer;

  TimedFileIo(FileIo io, Predicate<Path> timed, LongConsumer observer) {
    this.io = io;
    this.timed = timed;
    this.observer = observer;
  }

  @Override
  public Handle open(Path path) throws IOException {
    Handle h = io.open(path);
    return timed.test(path) ? new TimedHandle(h) : h;
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return io.list(dir);
  }

  @Override
  public boolean exists(Path path) throws IOException {
    return io.exists(path);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    io.createDirectories(dir);
  }

  @Override
  public void delete(Path path) throws IOException {
    io.delete(path);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    io.rename(from, to);
  }

  @Override
  public void fsyncDir(Path dir) throws IOException {
    io.fsyncDir(dir);
  }

  private final class TimedHandle implements Handle {
    private final Handle h;

    TimedHandle(Handle h) {
      this.h = h;
    }

    @Override
    public long size() throws IOException {
      return h.size();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return h.read(dst, position);
    }

    @Override
    public void write(ByteBuffer[] srcs, long position) throws IOException {
      h.write(srcs, position);
    }

    @Override
    public void force() throws IOException {
      long start = System.nanoTime();
      try {
        h.force();
      } finally {
        observer.accept(System.nanoTime() - start);
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      h.truncate(size);
    }

    @Override
    public void close() throws IOException {
      h.close();
    }
  }
}

package dev.raftkv.kv;

import dev.raftkv.runtime.SnapshotSource;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A checkpoint's files in the form a follower is sent (and {@link KvStateMachine#restore} unpacks):
 * for each file, in name order, its name ({@link DataOutputStream#writeUTF}), its length (4 bytes)
 * and its content. Read a chunk at a time straight from the files, which it opens when made and
 * holds open until closed, so the checkpoint may be deleted meanwhile. Files past 2 GiB are refused
 * (the length field is an int). Not thread-safe.
 */
final class CheckpointSource implements SnapshotSource {
  /** One file: its header (name and length) and its open channel. */
  private record Part(byte[] header, FileChannel file, long size) {
    long length() {
      return header.length + size;
    }
  }

  private final List<Part> parts;
  private final long size;
  private boolean closed;

  private CheckpointSource(List<Part> parts) {
    this.parts = parts;
    this.size = parts.stream().mapToLong(Part::length).sum();
  }

  /**
   * Opens every file of the checkpoint in {@code dir}.
   *
   * @throws UncheckedIOException if the directory or a file cannot be opened, or a file is too
   *     large for the format
   */
  static CheckpointSource open(Path dir) {
    List<Part> parts = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        FileChannel ch = FileChannel.open(f);
        parts.add(new Part(null, ch, 0)); // closed below if what follows fails
        long size = ch.size();
        if (size > Integer.MAX_VALUE) {
          throw new IOException(f + " is " + size + " bytes, more than a snapshot file may hold");
        }
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(header)) {
          out.writeUTF(f.getFileName().toString());
          out.writeInt((int) size);
        }
        parts.set(parts.size() - 1, new Part(header.toByteArray(), ch, size));
      }
    } catch (IOException | RuntimeException e) {
      parts.forEach(p -> closeQuietly(p.file()));
      throw e instanceof IOException io
          ? new UncheckedIOException("opening checkpoint " + dir, io)
          : (RuntimeException) e;
    }
    return new CheckpointSource(List.copyOf(parts));
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public byte[] read(long offset, int length) {
    Objects.checkFromIndexSize(offset, length, size);
    if (closed) {
      throw new UncheckedIOException(new IOException("checkpoint source is closed"));
    }
    byte[] out = new byte[length];
    int done = 0;
    long partStart = 0;
    for (Part p : parts) {
      long partEnd = partStart + p.length();
      long pos = offset + done;
      if (done < length && pos < partEnd) {
        long inPart = pos - partStart;
        if (inPart < p.header().length) {
          int n = (int) Math.min(p.header().length - inPart, length - done);
          System.arraycopy(p.header(), (int) inPart, out, done, n);
          done += n;
          inPart += n;
        }
        long fileOffset = inPart - p.header().length;
        while (done < length && fileOffset < p.size()) {
          int n = (int) Math.min(p.size() - fileOffset, length - done);
          int r = readAt(p.file(), ByteBuffer.wrap(out, done, n), fileOffset);
          done += r;
          fileOffset += r;
        }
      }
      partStart = partEnd;
    }
    return out;
  }

  private static int readAt(FileChannel ch, ByteBuffer into, long position) {
    try {
      int r = ch.read(into, position);
      if (r < 0) {
        throw new IOException("checkpoint file shorter than when opened");
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("reading a checkpoint file", e);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      parts.forEach(p -> closeQuietly(p.file()));
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // read-only: nothing is lost
    }
  }
}

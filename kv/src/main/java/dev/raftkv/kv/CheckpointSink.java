package dev.raftkv.kv;

import dev.raftkv.raft.SnapshotSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/**
 * Unpacks a snapshot sent in {@link CheckpointSource}'s form (per file: its name as {@link
 * java.io.DataOutputStream#writeUTF} writes it, its length in 4 bytes, its content) into a staging
 * directory as the chunks arrive, never holding more than a chunk. {@link #finish} syncs the files
 * and the directory and renames it to the checkpoint directory of the snapshot's index, as if this
 * member had taken the checkpoint itself; the snapshot's data is then the usual reference to it.
 * Not thread-safe.
 */
final class CheckpointSink implements SnapshotSink {
  private final Path staging;
  private final Path target;
  private final Supplier<byte[]> reference;

  /** The header being read: 2 bytes of name length, the name, 4 bytes of content length. */
  private byte[] header = new byte[2];

  private int headerFilled;
  private boolean nameRead;
  private String name;

  /** The file being written and how much of it is still to come, or null between files. */
  private FileChannel file;

  private long remaining;
  private boolean done;

  /**
   * @param staging a directory that does not exist yet, beside {@code target}
   * @param target the checkpoint directory the snapshot becomes
   * @param reference the snapshot data naming {@code target}
   */
  CheckpointSink(Path staging, Path target, Supplier<byte[]> reference) {
    this.staging = staging;
    this.target = target;
    this.reference = reference;
    try {
      Files.createDirectories(staging);
    } catch (IOException e) {
      throw new UncheckedIOException("creating " + staging, e);
    }
  }

  @Override
  public void write(byte[] chunk) {
    if (done) {
      throw new IllegalStateException("snapshot sink already finished or aborted");
    }
    try {
      int pos = 0;
      while (pos < chunk.length) {
        if (file != null) {
          int n = (int) Math.min(remaining, chunk.length - pos);
          ByteBuffer b = ByteBuffer.wrap(chunk, pos, n);
          while (b.hasRemaining()) {
            file.write(b);
          }
          pos += n;
          remaining -= n;
          if (remaining == 0) {
            closeFile();
          }
          continue;
        }
        int n = Math.min(header.length - headerFilled, chunk.length - pos);
        System.arraycopy(chunk, pos, header, headerFilled, n);
        headerFilled += n;
        pos += n;
        if (headerFilled == header.length) {
          headerComplete();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "writing a received snapshot into " + staging + ": " + e.getMessage(), e);
    }
  }

  private void headerComplete() throws IOException {
    ByteBuffer b = ByteBuffer.wrap(header);
    if (header.length == 2) {
      header = new byte[(b.getShort() & 0xffff) + 4]; // the name, then the content's length
      headerFilled = 0;
      return;
    }
    int nameLength = header.length - 4;
    name = decodeName(header, nameLength);
    int length = b.getInt(nameLength);
    if (length < 0) {
      throw new IOException("bad length " + length + " for " + name + " in a received snapshot");
    }
    Path f = staging.resolve(name);
    file = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    remaining = length;
    header = new byte[2];
    headerFilled = 0;
    nameRead = true;
    if (remaining == 0) {
      closeFile();
    }
  }

  /** The name as writeUTF wrote it (modified UTF-8; our names are plain ASCII file names). */
  private static String decodeName(byte[] bytes, int length) throws IOException {
    String n = new String(bytes, 0, length, StandardCharsets.UTF_8);
    if (n.isEmpty() || n.contains("/") || n.contains("\\") || n.startsWith(".")) {
      throw new IOException("bad file name in a received snapshot: " + n);
    }
    return n;
  }

  private void closeFile() throws IOException {
    file.force(true);
    file.close();
    file = null;
  }

  /**
   * Checks that the last file is whole, syncs the directory, and renames it to the checkpoint
   * directory (kept as it is if that exists already: the same index has the same state).
   *
   * @throws UncheckedIOException if the bytes ended inside a file or could not be made durable
   */
  @Override
  public byte[] finish() {
    if (done) {
      throw new IllegalStateException("snapshot sink already finished or aborted");
    }
    done = true;
    try {
      if (file != null || headerFilled != 0 || !nameRead) {
        throw new IOException(
            "received snapshot ends inside " + (name == null ? "its first file" : name));
      }
      Dirs.syncDir(staging);
      if (Files.exists(target)) {
        Dirs.deleteTree(staging);
      } else {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        Dirs.syncDir(target.toAbsolutePath().getParent());
      }
      return reference.get();
    } catch (IOException | RuntimeException e) {
      cleanUp();
      throw e instanceof IOException io
          ? new UncheckedIOException(
              "installing a received snapshot as " + target + ": " + io.getMessage(), io)
          : (RuntimeException) e;
    }
  }

  @Override
  public void abort() {
    done = true;
    cleanUp();
  }

  private void cleanUp() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // deleted next
      }
      file = null;
    }
    Dirs.deleteTree(staging);
  }
}

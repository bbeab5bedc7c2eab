package dev.raftkv.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The small file layer all storage I/O goes through, so tests can inject faults and simulate
 * crashes ({@code SimFileIo} in the tests) while production uses {@link RealFileIo}.
 *
 * <p>Durability contract, as on a POSIX file system: data written to a {@link Handle} is durable
 * only after {@link Handle#force()} returns; a create, rename or delete is durable only after
 * {@link #fsyncDir(Path)} of the parent directory returns. Every method may throw {@link
 * IOException}; callers treat a failed write or force as fatal and never retry it.
 */
public interface FileIo {

  /** Opens {@code path} for reading and writing, creating it (empty) if it does not exist. */
  Handle open(Path path) throws IOException;

  /** The regular files directly inside {@code dir}, in no particular order. */
  List<Path> list(Path dir) throws IOException;

  /** Whether {@code path} exists. */
  boolean exists(Path path) throws IOException;

  /** Creates {@code dir} and any missing parents; does nothing if it exists. */
  void createDirectories(Path dir) throws IOException;

  /** Deletes {@code path} if it exists. */
  void delete(Path path) throws IOException;

  /** Renames {@code from} to {@code to} atomically, replacing {@code to} if it exists. */
  void rename(Path from, Path to) throws IOException;

  /** Makes creates, renames and deletes of entries of {@code dir} durable. */
  void fsyncDir(Path dir) throws IOException;

  /** An open file. Not thread-safe. */
  interface Handle extends Closeable {
    /** The file's current size in bytes. */
    long size() throws IOException;

    /** Reads into {@code dst} from {@code position} until it is full or the file ends. */
    int read(ByteBuffer dst, long position) throws IOException;

    /**
     * Writes all remaining bytes of {@code srcs}, in order, starting at {@code position} (one
     * gathering write where the platform allows it). Not durable until {@link #force()}.
     */
    void write(ByteBuffer[] srcs, long position) throws IOException;

    /** Makes every byte written so far durable (fdatasync: data and the size, not timestamps). */
    void force() throws IOException;

    /** Sets the file's size, cutting or zero-extending it. Not durable until {@link #force()}. */
    void truncate(long size) throws IOException;
  }
}

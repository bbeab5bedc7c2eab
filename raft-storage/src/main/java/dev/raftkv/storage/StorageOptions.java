package dev.raftkv.storage;

import java.util.Objects;

/**
 * Tuning for {@link DiskStorage}.
 *
 * @param segmentBytes size each WAL segment is preallocated to (a record never spans segments; one
 *     larger than a segment gets a segment of its own that grows to fit it)
 * @param bufferedBytesLimit buffered bytes that make the writer start writing even though nobody
 *     asked for a sync yet
 * @param fileIo the file layer
 */
public record StorageOptions(long segmentBytes, long bufferedBytesLimit, FileIo fileIo) {
  /** 64 MiB segments, 8 MiB of buffered data, the real file system. */
  public static final StorageOptions DEFAULT =
      new StorageOptions(64L << 20, 8L << 20, RealFileIo.INSTANCE);

  public StorageOptions {
    Objects.requireNonNull(fileIo, "fileIo");
    if (segmentBytes < 1024 || bufferedBytesLimit < 1) {
      throw new IllegalArgumentException(
          "segmentBytes must be >= 1024 and bufferedBytesLimit >= 1, got "
              + segmentBytes
              + " and "
              + bufferedBytesLimit);
    }
  }

  /** These options with another segment size. */
  public StorageOptions withSegmentBytes(long bytes) {
    return new StorageOptions(bytes, bufferedBytesLimit, fileIo);
  }

  /** These options with another file layer. */
  public StorageOptions withFileIo(FileIo io) {
    return new StorageOptions(segmentBytes, bufferedBytesLimit, io);
  }
}

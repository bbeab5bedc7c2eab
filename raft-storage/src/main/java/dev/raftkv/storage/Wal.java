package dev.raftkv.storage;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The segmented write-ahead log: recovery of the segment files and the single writer thread that
 * does group commit.
 *
 * <p>Segments are named {@code <seq>-<firstIndex>.wal} (16 hex digits each): {@code seq} counts up
 * from 0 without gaps and {@code firstIndex} is the index the next entry was expected to have when
 * the segment was created. Each segment is preallocated with zeros to the configured size and
 * begins with the hard state and membership current at its creation, so older segments can be
 * deleted without losing them.
 *
 * <p>Threads: {@link #enqueue}, {@link #sync} and {@link #syncNow} are called by the storage
 * owner's thread. Whoever holds {@code ioLock} (the writer thread, or a {@link #syncNow} caller)
 * owns the open segment, so there is one writer at a time. Invariant: {@code durable <= enqueued};
 * a waiter is completed only after a {@code force()} covering its records has returned.
 */
final class Wal implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Wal.class.getName());
  private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");
  private static final String TMP_SUFFIX = ".tmp";
  private static final String NEXT_SEGMENT = "next-segment" + TMP_SUFFIX;

  /** Receives every valid record found at recovery, in log order. */
  interface Replay {
    void record(byte type, ByteBuffer payload, Path file, long offset);
  }

  record Segment(long seq, long firstIndex, Path path) {}

  private final Path dir;
  private final FileIo io;
  private final long segmentBytes;
  private final long bufferedLimit;

  /** All segments, oldest first; the last one is open for writing. Guarded by itself. */
  private final ArrayList<Segment> segments = new ArrayList<>();

  // Owned by the holder of ioLock (and by recovery before the writer starts).
  private FileIo.Handle current;

  /** The next segment, being zero-filled in the background as {@link #NEXT_SEGMENT}, or null. */
  private CompletableFuture<FileIo.Handle> nextSegment;

  private Path currentPath;
  private long writePos;
  private boolean segmentHasData;
  private long lastIndexWritten;
  private ByteBuffer headHardState;
  private ByteBuffer headConf;

  /** Held by whichever thread is writing (the writer thread or a {@link #syncNow} caller). */
  private final ReentrantLock ioLock = new ReentrantLock();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  // Guarded by lock (durable is written only with ioLock held as well).
  private ArrayList<ByteBuffer> pending = new ArrayList<>();
  private long pendingBytes;
  private long enqueued;
  private long durable;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private boolean closing;

  private volatile StorageFailedException failure;
  private Thread writer;

  private record Waiter(long seq, CompletableFuture<Void> future) {}

  private Wal(Path dir, StorageOptions options) {
    this.dir = dir;
    this.io = options.fileIo();
    this.segmentBytes = options.segmentBytes();
    this.bufferedLimit = options.bufferedBytesLimit();
  }

  static String segmentName(long seq, long firstIndex) {
    return String.format("%016x-%016x.wal", seq, firstIndex);
  }

  /**
   * Reads every segment in {@code dir}, handing each valid record to {@code replay}, and truncates
   * a torn tail of the last segment. Does not start the writer.
   *
   * @throws StorageCorruptedException on a gap in the segment sequence or a bad record before the
   *     tail
   * @throws IOException if reading fails
   */
  static Wal recover(Path dir, StorageOptions options, Replay replay) throws IOException {
    Wal wal = new Wal(dir, options);
    boolean removedTmp = false;
    for (Path p : wal.io.list(dir)) {
      String name = p.getFileName().toString();
      Matcher m = NAME.matcher(name);
      if (m.matches()) {
        wal.segments.add(
            new Segment(
                Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16), p));
      } else if (name.endsWith(TMP_SUFFIX)) {
        wal.io.delete(p);
        removedTmp = true;
      }
    }
    if (removedTmp) {
      wal.io.fsyncDir(dir);
    }
    wal.segments.sort(Comparator.comparingLong(Segment::seq));
    for (int i = 1; i < wal.segments.size(); i++) {
      Segment prev = wal.segments.get(i - 1);
      Segment seg = wal.segments.get(i);
      if (seg.seq != prev.seq + 1) {
        throw new StorageCorruptedException(
            "missing WAL segment: expected sequence number "
                + String.format("%016x", prev.seq + 1)
                + " after "
                + prev.path
                + " but found "
                + seg.path
                + " (offset 0)");
      }
    }
    for (int i = 0; i < wal.segments.size(); i++) {
      wal.recoverSegment(wal.segments.get(i), i == wal.segments.size() - 1, replay);
    }
    return wal;
  }

  private void recoverSegment(Segment seg, boolean last, Replay replay) throws IOException {
    byte[] buf;
    try (FileIo.Handle h = io.open(seg.path)) {
      long size = h.size();
      if (size > Integer.MAX_VALUE) {
        throw new StorageCorruptedException("WAL segment " + seg.path + " is too large: " + size);
      }
      ByteBuffer bb = ByteBuffer.allocate((int) size);
      h.read(bb, 0);
      buf = bb.array();
    }
    CRC32C crc = new CRC32C();
    int limit = buf.length;
    int off = 0;
    while (WalRecord.validRecord(buf, off, limit, crc)) {
      int len = WalRecord.payloadLength(buf, off);
      ByteBuffer payload = ByteBuffer.wrap(buf, off + WalRecord.HEADER, len).slice();
      replay.record(buf[off + 4], payload, seg.path, off);
      off += WalRecord.HEADER + len;
    }
    int lastNonZero = limit - 1;
    while (lastNonZero >= off && buf[lastNonZero] == 0) {
      lastNonZero--;
    }
    if (lastNonZero >= off) {
      int validAt = -1;
      for (int k = off + 1; k <= lastNonZero - WalRecord.HEADER + 1; k++) {
        if (WalRecord.validRecord(buf, k, limit, crc)) {
          validAt = k;
          break;
        }
      }
      if (validAt >= 0 || !last) {
        throw new StorageCorruptedException(
            "WAL segment "
                + seg.path
                + " is corrupt at offset "
                + off
                + ": bad record checksum or framing"
                + (validAt >= 0
                    ? " with a valid record following at offset " + validAt
                    : " in a segment that is not the last")
                + "; refusing to start (data in the middle of the log would be lost)");
      }
      LOG.log(
          Level.WARNING,
          "WAL torn tail in "
              + seg.path
              + " at offset "
              + off
              + ": truncating "
              + (lastNonZero + 1 - off)
              + " bytes of an incomplete record");
      try (FileIo.Handle h = io.open(seg.path)) {
        h.write(new ByteBuffer[] {ByteBuffer.allocate(lastNonZero + 1 - off)}, off);
        h.force();
      }
    }
    if (last) {
      writePos = off;
      segmentHasData = true;
    }
  }

  /** The recovered segments, oldest first. */
  List<Segment> segments() {
    synchronized (segments) {
      return List.copyOf(segments);
    }
  }

  /**
   * Opens the last segment (creating the first one if there is none) and starts the writer.
   *
   * @param hardState the current hard state, written at the head of every new segment
   * @param conf the current membership record, likewise
   * @param lastIndex the last log index already in the WAL
   */
  void start(ByteBuffer hardState, ByteBuffer conf, long lastIndex) throws IOException {
    headHardState = hardState;
    headConf = conf;
    lastIndexWritten = lastIndex;
    if (segments.isEmpty()) {
      createSegment(0, lastIndex + 1);
    } else {
      currentPath = segments.get(segments.size() - 1).path;
      current = io.open(currentPath);
      prepareNextSegment();
    }
    writer = new Thread(this::runWriter, "raftkv-wal-writer-" + dir);
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Queues encoded records for writing, in order, without waiting.
   *
   * @throws StorageFailedException if the WAL has failed
   */
  void enqueue(List<ByteBuffer> records) {
    checkNotFailed();
    lock.lock();
    try {
      if (closing) {
        throw new IllegalStateException("WAL " + dir + " is closed");
      }
      for (ByteBuffer r : records) {
        pending.add(r);
        pendingBytes += r.remaining();
      }
      enqueued += records.size();
      if (pendingBytes >= bufferedLimit) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A future completed once every record enqueued before this call is durable, or completed
   * exceptionally with {@link StorageFailedException} if writing or fsync fails. Never blocks.
   */
  CompletableFuture<Void> sync() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    lock.lock();
    try {
      StorageFailedException failed = failure;
      if (failed != null) {
        f.completeExceptionally(failedAgain(failed));
      } else if (durable == enqueued) {
        f.complete(null);
      } else {
        waiters.add(new Waiter(enqueued, f));
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    return f;
  }

  private void runWriter() {
    try {
      while (true) {
        boolean exit;
        lock.lock();
        try {
          while (!closing && (waiters.isEmpty() && pendingBytes < bufferedLimit)) {
            work.await();
          }
          exit = closing;
        } finally {
          lock.unlock();
        }
        ioLock.lock();
        try {
          flushOnce();
        } finally {
          ioLock.unlock();
        }
        if (exit) {
          return;
        }
      }
    } catch (Throwable t) {
      fail(t);
    }
  }

  /**
   * Makes everything enqueued so far durable on the calling thread, unless another thread is
   * already writing, in which case it waits for that writer and writes only what is still left.
   * Blocks on the write and the fdatasync; no thread hand-off.
   *
   * @throws StorageFailedException if the WAL has failed or fails now
   */
  void syncNow() {
    checkNotFailed();
    long target;
    lock.lock();
    try {
      target = enqueued;
    } finally {
      lock.unlock();
    }
    ioLock.lock();
    try {
      checkNotFailed();
      if (durable < target) {
        try {
          flushOnce();
        } catch (IOException | RuntimeException e) {
          throw fail(e);
        }
      }
    } finally {
      ioLock.unlock();
    }
  }

  /**
   * One group commit, with {@code ioLock} held: drains everything queued, writes it with one
   * gathering write (more only across a segment boundary), one fdatasync, then completes every
   * waiter it covered.
   */
  private void flushOnce() throws IOException {
    ArrayList<ByteBuffer> batch;
    long batchEnd;
    lock.lock();
    try {
      batch = pending;
      pending = new ArrayList<>();
      pendingBytes = 0;
      batchEnd = enqueued;
    } finally {
      lock.unlock();
    }
    if (!batch.isEmpty()) {
      writeBatch(batch);
      forceCurrent();
    }
    List<Waiter> done = new ArrayList<>();
    lock.lock();
    try {
      durable = batchEnd;
      while (!waiters.isEmpty() && waiters.peek().seq <= durable) {
        done.add(waiters.poll());
      }
    } finally {
      lock.unlock();
    }
    for (Waiter w : done) {
      w.future.complete(null);
    }
  }

  /** Writes records, cutting a new segment when the next record would not fit. */
  private void writeBatch(List<ByteBuffer> batch) throws IOException {
    ArrayList<ByteBuffer> chunk = new ArrayList<>();
    long chunkBytes = 0;
    for (ByteBuffer rec : batch) {
      int len = rec.remaining();
      if (writePos + chunkBytes + len > segmentBytes && (segmentHasData || !chunk.isEmpty())) {
        writeRecords(chunk);
        chunk.clear();
        chunkBytes = 0;
        forceCurrent();
        long seq;
        synchronized (segments) {
          seq = segments.get(segments.size() - 1).seq + 1;
        }
        createSegment(seq, lastIndexWritten + 1);
      }
      byte type = WalRecord.typeOf(rec);
      if (type == WalRecord.ENTRY) {
        lastIndexWritten = rec.getLong(rec.position() + WalRecord.HEADER + 8);
      } else if (type == WalRecord.SNAPSHOT) {
        lastIndexWritten = rec.getLong(rec.position() + WalRecord.HEADER);
      } else if (type == WalRecord.HARD_STATE) {
        headHardState = rec.duplicate();
      } else if (type == WalRecord.CONF) {
        headConf = rec.duplicate();
      }
      chunk.add(rec);
      chunkBytes += len;
    }
    writeRecords(chunk);
  }

  private void writeRecords(List<ByteBuffer> chunk) throws IOException {
    if (chunk.isEmpty()) {
      return;
    }
    long bytes = 0;
    for (ByteBuffer b : chunk) {
      bytes += b.remaining();
    }
    try {
      current.write(chunk.toArray(new ByteBuffer[0]), writePos);
    } catch (IOException e) {
      throw new IOException(
          "write of " + bytes + " bytes at offset " + writePos + " of " + currentPath + " failed",
          e);
    }
    writePos += bytes;
    segmentHasData = true;
  }

  private void forceCurrent() throws IOException {
    try {
      current.force();
    } catch (IOException e) {
      throw new IOException("fdatasync of " + currentPath + " failed (not retried)", e);
    }
  }

  /**
   * Creates a segment: takes the zero-filled file preallocated in the background (or preallocates
   * one now), writes the head records (current hard state and membership) at offset 0, fsyncs it,
   * renames it into place and fsyncs the directory. So a segment that exists under its final name
   * always has a durable head, and deleting older segments can never lose the hard state. Becomes
   * the current segment; the next one starts preallocating at once.
   */
  private void createSegment(long seq, long firstIndex) throws IOException {
    Path path = dir.resolve(segmentName(seq, firstIndex));
    FileIo.Handle h = null;
    long head;
    try {
      if (nextSegment != null) {
        h = await(nextSegment);
        nextSegment = null;
      } else {
        h = preallocate(dir.resolve(NEXT_SEGMENT));
      }
      ByteBuffer hs = headHardState.duplicate();
      ByteBuffer conf = headConf.duplicate();
      head = (long) hs.remaining() + conf.remaining();
      h.write(new ByteBuffer[] {hs, conf}, 0);
      h.force();
      io.rename(dir.resolve(NEXT_SEGMENT), path);
      io.fsyncDir(dir);
    } catch (IOException e) {
      if (h != null) {
        h.close();
      }
      throw new IOException(
          "cannot create WAL segment " + path + " (is the disk full?): " + e.getMessage(), e);
    }
    if (current != null) {
      current.close();
    }
    current = h;
    currentPath = path;
    writePos = head;
    segmentHasData = false;
    synchronized (segments) {
      segments.add(new Segment(seq, firstIndex, path));
    }
    prepareNextSegment();
  }

  /** A zero-filled, fsynced file of the segment size at {@code tmp} (etcd's file pipeline). */
  private FileIo.Handle preallocate(Path tmp) throws IOException {
    FileIo.Handle h = io.open(tmp);
    try {
      ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(segmentBytes, 1 << 20));
      for (long pos = 0; pos < segmentBytes; pos += zeros.capacity()) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), segmentBytes - pos));
        h.write(new ByteBuffer[] {zeros}, pos);
      }
      h.force();
      return h;
    } catch (IOException | RuntimeException e) {
      h.close();
      throw e;
    }
  }

  /** Starts preallocating the next segment on a short-lived background thread. */
  private void prepareNextSegment() {
    CompletableFuture<FileIo.Handle> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(preallocate(dir.resolve(NEXT_SEGMENT)));
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            },
            "raftkv-wal-preallocate");
    t.setDaemon(true);
    t.start();
    nextSegment = f;
  }

  private static FileIo.Handle await(CompletableFuture<FileIo.Handle> f) throws IOException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("preallocating the next segment failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the next segment", e);
    }
  }

  /**
   * Deletes every segment that holds only entries at or below {@code index} (a segment whose
   * successor starts at or below {@code index + 1}), then fsyncs the directory. Never deletes the
   * segment being written. Blocks on file I/O.
   */
  void deleteSegmentsUpTo(long index) {
    checkNotFailed();
    try {
      List<Segment> doomed = new ArrayList<>();
      synchronized (segments) {
        while (segments.size() > 1 && segments.get(1).firstIndex <= index + 1) {
          doomed.add(segments.remove(0));
        }
      }
      for (Segment s : doomed) {
        io.delete(s.path);
      }
      if (!doomed.isEmpty()) {
        io.fsyncDir(dir);
      }
    } catch (IOException e) {
      fail(e);
      throw failedAgain(failure);
    }
  }

  /**
   * Makes the storage permanently failed (the first failure wins) and fails every waiter.
   *
   * @return the exception for the caller to throw
   */
  StorageFailedException fail(Throwable t) {
    String cause = t.toString();
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      cause += "; caused by " + c;
    }
    StorageFailedException f =
        new StorageFailedException(
            cause.contains("No space left on device")
                ? "disk full: WAL in "
                    + dir
                    + " stopped accepting writes (everything acknowledged as durable is kept): "
                    + cause
                : "WAL in "
                    + dir
                    + " failed; storage is stopped and never retries an fsync: "
                    + cause,
            t);
    List<Waiter> all;
    lock.lock();
    try {
      if (failure == null) {
        failure = f;
      }
      all = new ArrayList<>(waiters);
      waiters.clear();
    } finally {
      lock.unlock();
    }
    LOG.log(Level.ERROR, f.getMessage(), t);
    for (Waiter w : all) {
      w.future.completeExceptionally(failure);
    }
    return failure;
  }

  /** Throws if the WAL has failed. */
  void checkNotFailed() {
    StorageFailedException f = failure;
    if (f != null) {
      throw failedAgain(f);
    }
  }

  private static StorageFailedException failedAgain(StorageFailedException original) {
    return new StorageFailedException(
        "storage failed earlier and accepts no more calls; original error: "
            + original.getMessage(),
        original);
  }

  /**
   * Writes and fsyncs everything queued, stops the writer and closes the segment. Blocks until
   * then.
   */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      closing = true;
      work.signal();
    } finally {
      lock.unlock();
    }
    if (writer != null) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (current != null) {
      current.close();
    }
    if (nextSegment != null) {
      try {
        await(nextSegment).close(); // the file itself is removed by the next recovery
      } catch (IOException e) {
        // Nothing was promised about a segment that was never used.
      }
    }
    checkNotFailed();
  }
}

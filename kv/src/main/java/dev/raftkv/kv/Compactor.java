package dev.raftkv.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Physical compaction, in the background. Applying a compaction only raises the store's compacted
 * revision (reads below it fail from then on); this deletes the versions it dropped: for each key
 * with history in the compacted range, every version older than the newest at or below the
 * compacted revision, and that one too if it is a tombstone. It works in slices of {@link
 * #SLICE_KEYS} whole keys, each one atomic batch written while the apply thread goes on: reads at
 * or above the compacted revision cannot tell the difference, since only versions superseded at or
 * below it go. The last slice records how far compaction got, so a restart or a restored checkpoint
 * resumes (deleting again what is gone already changes nothing). One daemon thread.
 */
final class Compactor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Compactor.class.getName());

  /** Keys per slice: one atomic batch, written under the store's read lock. */
  static final int SLICE_KEYS = 10_000;

  /**
   * The store's compacted revision and its database's generation (a restore opens another), read
   * together.
   */
  record State(long compacted, long generation) {}

  /** What the compactor needs of its store. */
  interface Store {
    /** The compacted revision and the database's generation, read together. */
    State compactionState();

    /** The keys with history in {@code (from, to]}, or null if the generation changed. */
    List<byte[]> touchedGroups(long generation, long from, long to);

    /**
     * Deletes what compaction at {@code to} drops for {@code groups} in one batch, recording {@code
     * to} as done when {@code last} (and then calling {@link #finished}, all under its lock); false
     * if the generation changed.
     */
    boolean dropSlice(long generation, List<byte[]> groups, long to, boolean last);
  }

  private final Store store;
  private final ExecutorService thread;
  private final AtomicBoolean scheduled = new AtomicBoolean();

  /** The revision up to which what compactions dropped is deleted. Guarded by this. */
  private long done;

  Compactor(Store store, String name) {
    this.store = store;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
  }

  /** A database was opened whose deletes are done up to {@code revision}: where to start from. */
  synchronized void opened(long revision) {
    done = revision;
    notifyAll();
  }

  /** The last slice up to {@code revision} is written. */
  synchronized void finished(long revision) {
    done = revision;
    notifyAll();
  }

  /** The revision up to which what compactions dropped is deleted. */
  synchronized long done() {
    return done;
  }

  /**
   * Waits until the deletes are done up to {@code revision}; false if {@code timeout} passed first
   * or the thread was interrupted (its interrupt status kept).
   */
  synchronized boolean await(long revision, java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (done < revision) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Has the thread catch up with the compacted revision (again, if it is at work), if it is behind.
   * Never blocks.
   */
  void scheduleIfBehind(long compacted) {
    if (done() < compacted) {
      schedule();
    }
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        thread.execute(this::run);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        scheduled.set(false);
      }
    }
  }

  private void run() {
    try {
      while (true) {
        scheduled.set(false);
        State state = store.compactionState();
        long from = done();
        long to = state.compacted();
        long generation = state.generation();
        if (from >= to) {
          return;
        }
        List<byte[]> groups = store.touchedGroups(generation, from, to);
        if (groups == null) {
          continue; // restored meanwhile: start over from its state
        }
        for (int lo = 0; ; lo += SLICE_KEYS) {
          int hi = Math.min(groups.size(), lo + SLICE_KEYS);
          boolean last = hi == groups.size();
          if (!store.dropSlice(generation, groups.subList(Math.min(lo, hi), hi), to, last)
              || last) {
            break;
          }
        }
      }
    } catch (IllegalStateException closed) {
      // the store closed under us: a reopened store resumes from what was recorded
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "background compaction failed; retried at the next", e);
    }
  }

  /** Stops the thread; a slice under way finishes first. */
  @Override
  public void close() {
    thread.shutdown();
  }

  /** The keys with history in {@code (from, to]}, as groups in the order of the kv family. */
  static List<byte[]> touchedGroups(RocksIterator rev, long from, long to) {
    Map<String, byte[]> touched = new LinkedHashMap<>();
    for (rev.seek(Codec.revKey(from + 1, 0));
        rev.isValid() && Codec.revKeyMain(rev.key()) <= to;
        rev.next()) {
      byte[] v = rev.value();
      byte[] key = Arrays.copyOfRange(v, 1, v.length);
      touched.putIfAbsent(new String(key, StandardCharsets.ISO_8859_1), key);
    }
    // Seek the keys in the order of the kv family, and delete in the order of each family: the
    // seeks then move forward through memtables and tables, and the memtables take the deletes
    // in order (in random order, 240,000 keys took 6 s, two thirds of it in seeks).
    List<byte[]> groups = new ArrayList<>(touched.size());
    for (byte[] key : touched.values()) {
      groups.add(Codec.group(key));
    }
    groups.sort(Arrays::compareUnsigned);
    return groups;
  }

  /**
   * Adds to {@code batch} the deletes of what compaction at {@code to} drops for {@code groups}.
   */
  static void drop(
      RocksIterator kv,
      List<byte[]> groups,
      long to,
      WriteBatch batch,
      ColumnFamilyHandle kvCf,
      ColumnFamilyHandle revCf)
      throws RocksDBException {
    List<byte[]> doomed = new ArrayList<>();
    for (byte[] group : groups) {
      boolean newest = true;
      for (kv.seek(Codec.seekAtOrBelow(group, to)); kv.isValid(); kv.next()) {
        byte[] k = Codec.keyInGroup(kv, group); // the last one read is the next key's
        if (k == null) {
          break;
        }
        if (!newest || Codec.isTombstone(kv.value())) {
          doomed.add(k);
        }
        newest = false;
      }
    }
    List<byte[]> doomedRevs = new ArrayList<>(doomed.size());
    for (byte[] k : doomed) {
      batch.delete(kvCf, k);
      doomedRevs.add(Codec.revKey(Codec.mainOf(k), Codec.subOf(k)));
    }
    doomedRevs.sort(Arrays::compareUnsigned);
    for (byte[] r : doomedRevs) {
      batch.delete(revCf, r);
    }
  }
}

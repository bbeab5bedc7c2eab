package dev.raftkv.kv;

import java.util.function.LongSupplier;

/**
 * The store's size for the space quota, as last measured: read by every write request (a volatile
 * read), measured by the apply thread at most every {@link #REFRESH_NANOS}, since a measurement
 * asks RocksDB for two properties per column family.
 */
final class QuotaSize {
  /** How often, at most, {@link #refresh} measures again (50 ms). */
  static final long REFRESH_NANOS = 50_000_000L;

  private volatile long size;

  /**
   * When {@link #size} was last measured ({@link System#nanoTime()}); the measuring thread only.
   */
  private long measuredAt;

  /** The size as last measured; never blocks. */
  long get() {
    return size;
  }

  /** Measures now, with {@code measure}. */
  void measure(LongSupplier measure) {
    measuredAt = System.nanoTime();
    size = measure.getAsLong();
  }

  /** Measures with {@code measure} if the last measurement is older than {@link #REFRESH_NANOS}. */
  void refresh(LongSupplier measure) {
    if (System.nanoTime() - measuredAt >= REFRESH_NANOS) {
      measure(measure);
    }
  }
}

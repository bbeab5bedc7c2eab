package dev.raftkv.kv;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a child JVM by {@link PersistenceTest}: applies the {@link Workload} to the store in
 * {@code args[0]} until a timer halts the JVM mid-stream (no close). The store writes no WAL, so
 * only what was flushed survives: the child flushes every 25 batches, as RocksDB does on its own
 * whenever the memtables fill.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) {
    long haltAfterMillis = Long.parseLong(args[1]);
    KvStore store = KvStore.open(Path.of(args[0]));
    Thread killer =
        new Thread(
            () -> {
              try {
                Thread.sleep(haltAfterMillis);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Runtime.getRuntime().halt(3);
            });
    killer.setDaemon(true);
    killer.start();
    // Batches of 1 to 4 entries, each batch one write batch.
    for (long i = store.appliedIndex() + 1, batches = 1; ; batches++) {
      if (batches % 25 == 0) {
        store.sync();
      }
      List<KvStore.Entry> batch = new ArrayList<>();
      for (long n = 1 + i % 4; n > 0; n--, i++) {
        batch.add(new KvStore.Entry(i, Workload.entry(i)));
      }
      store.applyAll(batch);
    }
  }
}

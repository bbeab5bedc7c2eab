package dev.raftkv.kv;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link PersistenceTest}: applies the {@link Workload} to the store in
 * {@code args[0]} until a timer halts the JVM mid-stream (no close, no flush).
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
    for (long i = store.appliedIndex() + 1; ; i++) {
      store.apply(i, Workload.entry(i));
    }
  }
}

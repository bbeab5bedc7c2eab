package dev.raftkv.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ranges at the current revision are answered from the key index (deleted keys and old versions
 * unvisited); the same range at the same revision named explicitly scans the stored history. Both
 * must answer alike, whatever the options, for ranges of a few keys (records read under the index
 * lock) and of many (records read from a snapshot), with values kept in the index and not.
 */
class CurrentRangeTest {
  @TempDir Path tmp;

  private Random random;

  private static byte[] key(int i) {
    return Bytes.of(String.format("k%04d", i));
  }

  private byte[] anyKey() {
    return key(random.nextInt(400));
  }

  private byte[] anyValue() {
    byte[] v = new byte[random.nextInt(3) == 0 ? 300 : 8];
    random.nextBytes(v);
    return v;
  }

  private Range anyRange() {
    byte[] k = anyKey();
    byte[] end =
        switch (random.nextInt(5)) {
          case 0 -> Bytes.EMPTY;
          case 1 -> Bytes.FROM_KEY;
          case 2 -> Bytes.of("k");
          case 3 -> Bytes.prefixEnd(Bytes.of("k0"));
          default -> anyKey();
        };
    if (random.nextInt(5) == 0) {
      k = Bytes.of("k");
    }
    Range r = Range.range(k, end);
    if (random.nextInt(3) == 0) {
      r = r.withLimit(1 + random.nextInt(120));
    }
    switch (random.nextInt(6)) {
      case 0 -> r = r.sorted(Range.SortTarget.MOD, Range.SortOrder.DESCEND);
      case 1 -> r = r.sorted(Range.SortTarget.VALUE, Range.SortOrder.ASCEND);
      case 2 -> r = r.sorted(Range.SortTarget.KEY, Range.SortOrder.DESCEND);
      default -> {}
    }
    return r.keysOnly(random.nextInt(4) == 0).countOnly(random.nextInt(6) == 0);
  }

  @Test
  void aLongApplyDoesNotHoldUpReadsOfTheCurrentRevision() throws Exception {
    try (KvStore store = KvStore.open(tmp.resolve("db"))) {
      store.apply(1, List.of(Put.of("a", "1"), Put.of("b", "2")));
      java.util.concurrent.locks.Lock applying = store.indexLockForTest().writeLock();
      applying.lock(); // as an apply call does for its whole run
      try {
        java.util.concurrent.ExecutorService reader =
            java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
          Range.Result got =
              reader
                  .submit(() -> store.range(Range.range(Bytes.of("a"), Bytes.FROM_KEY)))
                  .get(30, java.util.concurrent.TimeUnit.SECONDS);
          assertThat(got.count()).isEqualTo(2);
          assertThat(got.kvs())
              .extracting(kv -> new String(kv.value(), UTF_8))
              .containsExactly("1", "2");
          assertThat(got.revision()).isEqualTo(store.revision());
        } finally {
          reader.shutdownNow();
        }
      } finally {
        applying.unlock();
      }
    }
  }

  @Test
  void theKeyIndexAnswersAsTheHistoryDoes() {
    for (long seed = 1; seed <= 4; seed++) {
      random = new Random(seed);
      // seeds 1 and 2 keep every value in the index; 3 and 4 keep only a few kilobytes
      long cache = seed <= 2 ? KvOptions.DEFAULT_VALUE_CACHE_BYTES : 4096;
      KvOptions options =
          new KvOptions(KvOptions.DEFAULT_MAX_TXN_OPS, KvOptions.DEFAULTS.leaseExists(), cache);
      try (KvStore store = KvStore.open(tmp.resolve("seed" + seed), options)) {
        long index = 0;
        int ranges = 0;
        for (int step = 0; step < 60; step++) {
          List<Op> ops = new ArrayList<>();
          for (int i = 0; i < 40; i++) {
            if (random.nextInt(10) < 8) {
              ops.add(new Put(anyKey(), anyValue(), 0, false, false, false));
            } else {
              byte[] k = anyKey();
              byte[] end = random.nextBoolean() ? Bytes.EMPTY : key(random.nextInt(400));
              ops.add(new DeleteRange(k, end, false));
            }
          }
          store.apply(++index, ops);
          for (int i = 0; i < 10; i++, ranges++) {
            Range r = anyRange();
            Range.Result current = store.range(r);
            Range.Result history = store.range(r.atRevision(store.revision()));
            assertThat(current).as("seed %d step %d %s", seed, step, r).isEqualTo(history);
          }
        }
        assertThat(ranges).isEqualTo(600);
      }
    }
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Reads on other threads see the state after some whole apply call, never part of one. */
class ConcurrentReadTest extends StoreFixture {

  @Test
  void readersNeverSeeHalfATxnOrHalfAnEntry() throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    CompletableFuture<Integer> reader =
        CompletableFuture.supplyAsync(
            () -> {
              int reads = 0;
              while (!done.get() || reads == 0) {
                Range.Result r = store.range(Range.range(b("a"), b("z")));
                reads++;
                if (r.kvs().isEmpty()) {
                  continue;
                }
                // a and b are written by one txn, c by a second op of the same entry
                assertThat(r.kvs()).hasSize(3);
                byte[] v = r.kvs().get(0).value();
                assertThat(r.kvs()).allSatisfy(kv -> assertThat(kv.value()).isEqualTo(v));
                assertThat(r.kvs().get(2).modRevision()).isEqualTo(r.revision());
              }
              return reads;
            });
    for (int i = 1; i <= 300; i++) {
      String v = "v" + i;
      store.apply(
          ++index,
          List.of(
              new Txn(List.of(), List.of(Put.of("a", v), Put.of("b", v)), List.of()),
              Put.of("c", v)));
    }
    done.set(true);
    assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The in-memory key index always equals one rebuilt from the store's records. */
class KeyIndexTest extends StoreFixture {

  private void assertIndexMatchesStore() {
    List<Map<byte[], KeyIndex.Latest>> both = store.keyIndexAndRebuiltForTest();
    assertThat(both.get(0)).isEqualTo(both.get(1));
    both.get(0)
        .forEach(
            (key, latest) -> {
              if (!latest.needsRecord()) {
                assertThat(latest.value()).as(Bytes.show(key)).isEqualTo(get(str(key)).value());
              }
            });
  }

  @Test
  void readsAndWritesAreTheSameWhateverTheValueBudget() {
    try (KvStore none =
            KvStore.open(tmp.resolve("none"), KvOptions.DEFAULTS.withValueCacheBytes(0));
        KvStore some =
            KvStore.open(tmp.resolve("some"), KvOptions.DEFAULTS.withValueCacheBytes(40))) {
      for (long i = 1; i <= 200; i++) {
        List<Op> ops = Workload.entry(i);
        ApplyResult expected = store.apply(i, ops);
        assertThat(none.apply(i, ops)).isEqualTo(expected);
        assertThat(some.apply(i, ops)).isEqualTo(expected);
      }
      for (int k = 0; k < 20; k++) {
        Range get = Range.get(b("k" + k));
        assertThat(none.range(get)).isEqualTo(store.range(get));
        assertThat(some.range(get)).isEqualTo(store.range(get));
      }
      assertThat(none.hash()).isEqualTo(store.hash());
      assertThat(some.hash()).isEqualTo(store.hash());
    }
    index = 200;
    assertIndexMatchesStore();
  }

  @Test
  void followsEveryWriteOfAWorkload() {
    for (long i = 1; i <= 300; i++) {
      store.apply(++index, Workload.entry(i));
      if (i % 25 == 0) {
        assertIndexMatchesStore();
      }
      if (i == 150) {
        ok(new Compact(store.revision() - 20));
      }
    }
    assertIndexMatchesStore();
    assertThat(store.keyIndexAndRebuiltForTest().get(0)).isNotEmpty();
  }

  @Test
  void aTxnRefusedHalfWayLeavesTheIndexAsItWas() {
    put("k", "v");
    put("other", "w");
    // The from-key delete runs (etcd checks no overlap for it), then the put with ignore_lease
    // finds
    // the key gone and refuses the whole txn.
    Txn txn =
        new Txn(
            List.of(),
            List.of(
                new DeleteRange(b("k"), Bytes.FROM_KEY, false),
                new Put(b("k"), Bytes.EMPTY, 0, false, false, true)),
            List.of());
    assertThat(refused(txn).code()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    assertIndexMatchesStore();
    assertThat(get("k").value()).isEqualTo(b("v"));
    // and later writes still see the key's real history
    assertThat(put("k", "v2").revision()).isEqualTo(4);
    assertThat(get("k").version()).isEqualTo(2);
    assertIndexMatchesStore();
  }

  @Test
  void aRangeRemovedAndRolledBackIsWhole() {
    KeyIndex ki = new KeyIndex(1 << 20);
    for (String k : List.of("a", "b", "ba", "bb", "c")) {
      ki.put(b(k), ki.latest(1, 1, 0, 1, 0, b("v" + k)));
    }
    ki.commit();
    Map<byte[], KeyIndex.Latest> before = ki.snapshotForTest();
    long bytes = ki.cachedBytes();
    int mark = ki.mark();
    List<Map.Entry<byte[], KeyIndex.Latest>> gone = ki.removeRange(b("b"), b("c"));
    assertThat(gone).extracting(e -> str(e.getKey())).containsExactly("b", "ba", "bb");
    assertThat(ki.snapshotForTest().keySet())
        .extracting(StoreFixture::str)
        .containsExactly("a", "c");
    assertThat(ki.get(b("ba"))).isNull();
    assertThat(ki.removeRange(b("x"), b("y"))).isEmpty();
    assertThat(ki.removeRange(b("b"), b("a"))).isEmpty(); // an empty range, end before start
    assertThat(ki.removeRange(b("c"), Bytes.EMPTY))
        .extracting(e -> str(e.getKey()))
        .containsExactly("c");
    ki.rollbackTo(mark);
    assertThat(ki.snapshotForTest()).isEqualTo(before);
    assertThat(ki.cachedBytes()).isEqualTo(bytes);
  }

  @Test
  void isRebuiltWhenTheStoreReopens() {
    for (long i = 1; i <= 100; i++) {
      store.apply(++index, Workload.entry(i));
    }
    Map<byte[], KeyIndex.Latest> before = store.keyIndexAndRebuiltForTest().get(0);
    store.close();
    store = KvStore.open(tmp.resolve("db"));
    assertThat(store.keyIndexAndRebuiltForTest().get(0)).isEqualTo(before);
    assertThat(put("k1", "again").revision()).isEqualTo(store.revision());
    assertIndexMatchesStore();
  }
}

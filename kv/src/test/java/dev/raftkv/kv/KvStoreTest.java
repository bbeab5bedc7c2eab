package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.kv.Range.SortOrder;
import dev.raftkv.kv.Range.SortTarget;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvStoreTest extends StoreFixture {

  @Test
  void dbSizeCountsTheBytesOnDisk() {
    // etcd's Status reports the database size; raftkv's was always 0 (found by the jetcd suite)
    long empty = store.dbSize();
    assertThat(empty).isPositive();
    byte[] big = new byte[256 * 1024];
    for (int i = 0; i < 8; i++) {
      ok(Put.of(b("big" + i), big));
    }
    store.sync();
    assertThat(store.dbSize()).isGreaterThan(empty + 1024 * 1024);
  }

  @Test
  void emptyStoreIsAtRevisionOne() {
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.compactedRevision()).isZero();
    assertThat(store.appliedIndex()).isZero();
    assertThat(store.range(Range.get(b("a"))).kvs()).isEmpty();
  }

  @Test
  void dbSizeAndSizeInUseAreWhatTheStoreTakesAndGrowWithData() {
    long emptySize = store.dbSize();
    assertThat(emptySize).as("a new RocksDB already has a manifest and options").isPositive();
    for (int i = 0; i < 200; i++) {
      put("key" + i, "v".repeat(1000));
    }
    assertThat(store.dbSizeInUse()).isGreaterThan(200_000);
    store.sync();
    assertThat(store.dbSize())
        .as("the flushed tables hold the 200 KB written")
        .isGreaterThan(emptySize + 200_000);
  }

  @Test
  void putPutDeletePutTracksVersionsAndCreateRevisions() {
    assertThat(put("foo", "1").revision()).isEqualTo(2);
    assertThat(get("foo")).isEqualTo(new KeyValue(b("foo"), 2, 2, 1, b("1"), 0));
    assertThat(put("foo", "2").revision()).isEqualTo(3);
    assertThat(get("foo")).isEqualTo(new KeyValue(b("foo"), 2, 3, 2, b("2"), 0));
    DeleteRange.Result d = delete("foo");
    assertThat(d.deleted()).isEqualTo(1);
    assertThat(d.revision()).isEqualTo(4);
    assertThat(get("foo")).isNull();
    put("foo", "3");
    // a new generation: version starts again, create revision is the new put
    assertThat(get("foo")).isEqualTo(new KeyValue(b("foo"), 5, 5, 1, b("3"), 0));
    assertThat(store.revision()).isEqualTo(5);
  }

  @Test
  void deleteOfAbsentKeyDoesNotBumpRevision() {
    put("a", "1");
    DeleteRange.Result d = delete("zzz");
    assertThat(d.deleted()).isZero();
    assertThat(d.revision()).isEqualTo(2);
    assertThat(store.revision()).isEqualTo(2);
    assertThat(store.appliedIndex()).isEqualTo(index);
  }

  @Test
  void deleteRangeIsOneRevisionAndReturnsPrevKvs() {
    put("a", "1");
    put("b", "2");
    put("c", "3");
    DeleteRange.Result d = (DeleteRange.Result) ok(new DeleteRange(b("a"), b("c"), true));
    assertThat(d.deleted()).isEqualTo(2);
    assertThat(d.revision()).isEqualTo(5);
    assertThat(d.prevKvs()).extracting(kv -> str(kv.value())).containsExactly("1", "2");
    assertThat(keys(store.range(Range.range(b("\0"), Bytes.FROM_KEY)))).containsExactly("c");
  }

  @Test
  void aDeleteOfManyKeysInOneEntryWithOtherOpsAppliesThroughAReservedBatch() {
    // 6,000 keys of 200 bytes: the delete's batch is estimated past ApplyBatches.RESERVE_FROM, so
    // it is reserved up front; a put before it and a get after it in the same entry must still
    // see the batch's own writes.
    String pad = "k".repeat(190);
    for (int i = 0; i < 6_000; i++) {
      put(pad + String.format("%05d", i), "v" + i);
    }
    long before = store.revision();
    List<KvStore.Entry> entries =
        List.of(
            new KvStore.Entry(
                store.appliedIndex() + 1,
                List.of(
                    Put.of(pad + "zzz", "last"),
                    new DeleteRange(b(pad), Bytes.FROM_KEY, false),
                    Range.range(b(pad), Bytes.FROM_KEY))));
    assertThat(ApplyBatches.deleteBytes(entries.get(0).ops().get(1), store.keyIndex()))
        .isGreaterThanOrEqualTo(ApplyBatches.RESERVE_FROM);
    ApplyResult r = store.applyAll(entries).get(0);
    // the put in the same entry is deleted too
    assertThat(((DeleteRange.Result) r.results().get(1).response()).deleted()).isEqualTo(6_001);
    assertThat(((Range.Result) r.results().get(2).response()).kvs()).isEmpty();
    assertThat(r.revision()).isEqualTo(before + 2);
    assertThat(r.events()).hasSize(6_002);
    assertThat(r.events().get(6_001).prevKv().value()).isEqualTo(b("last"));
    assertThat(store.range(Range.range(b(pad), Bytes.FROM_KEY)).kvs()).isEmpty();
  }

  @Test
  void eachOpOfOneEntryIsItsOwnRevisionAndEventsAreInOrder() {
    ApplyResult r =
        store.apply(7, List.of(Put.of("a", "1"), Put.of("b", "2"), DeleteRange.key(b("a"))));
    assertThat(r.revision()).isEqualTo(4);
    assertThat(r.appliedIndex()).isEqualTo(7);
    assertThat(r.events())
        .extracting(e -> e.type() + " " + str(e.kv().key()) + "@" + e.kv().modRevision())
        .containsExactly("PUT a@2", "PUT b@3", "DELETE a@4");
    assertThat(r.events().get(2).prevKv().value()).isEqualTo(b("1"));
  }

  @Test
  void rangesFollowEtcdConventions() {
    for (String k : List.of("a", "ab", "abc", "abd", "b", "ba", "c")) {
      put(k, "v" + k);
    }
    assertThat(keys(store.range(Range.prefix(b("ab"))))).containsExactly("ab", "abc", "abd");
    assertThat(keys(store.range(Range.range(b("b"), Bytes.FROM_KEY))))
        .containsExactly("b", "ba", "c");
    assertThat(keys(store.range(Range.range(b("\0"), Bytes.FROM_KEY)))).hasSize(7);
    assertThat(keys(store.range(Range.range(b("ab"), b("b"))))).containsExactly("ab", "abc", "abd");
    assertThat(keys(store.range(Range.get(b("ab"))))).containsExactly("ab");
    // an end at or before the start selects nothing
    assertThat(keys(store.range(Range.range(b("b"), b("a"))))).isEmpty();
    assertThatThrownBy(() -> store.range(Range.get(Bytes.EMPTY)))
        .isInstanceOf(KvException.class)
        .hasMessage("etcdserver: key is not provided");
  }

  @Test
  void keysWithZeroBytesAndHighBytesSortAsEtcd() {
    byte[][] ks = {{1}, {1, 0}, {1, 0, 0}, {1, 0, 1}, {1, 1}, {1, (byte) 0xff}, {2}, {0}};
    for (byte[] k : ks) {
      ok(new Put(k, k, 0, false, false, false));
    }
    List<KeyValue> all = store.range(Range.range(new byte[] {0}, Bytes.FROM_KEY)).kvs();
    assertThat(all)
        .extracting(KeyValue::key)
        .containsExactly(
            new byte[] {0},
            new byte[] {1},
            new byte[] {1, 0},
            new byte[] {1, 0, 0},
            new byte[] {1, 0, 1},
            new byte[] {1, 1},
            new byte[] {1, (byte) 0xff},
            new byte[] {2});
    assertThat(store.range(Range.prefix(new byte[] {1, 0})).kvs()).hasSize(3);
    assertThat(store.range(Range.prefix(new byte[] {1, (byte) 0xff})).kvs()).hasSize(1);
  }

  @Test
  void limitMoreAndCount() {
    for (String k : List.of("a", "b", "c", "d", "e")) {
      put(k, k);
    }
    Range all = Range.range(b("a"), Bytes.FROM_KEY);
    Range.Result r = store.range(all.withLimit(2));
    assertThat(keys(r)).containsExactly("a", "b");
    assertThat(r.more()).isTrue();
    assertThat(r.count()).isEqualTo(5);
    r = store.range(all.withLimit(5));
    assertThat(r.more()).isFalse();
    assertThat(r.kvs()).hasSize(5);
    r = store.range(all.countOnly(true));
    assertThat(r.kvs()).isEmpty();
    assertThat(r.count()).isEqualTo(5);
    assertThat(r.more()).isFalse();
    r = store.range(all.keysOnly(true).withLimit(1));
    assertThat(r.kvs().get(0).value()).isEmpty();
    assertThat(r.kvs().get(0).modRevision()).isEqualTo(2);
  }

  @Test
  void sortByTargetsAndOrders() {
    put("a", "3");
    put("b", "1");
    put("c", "2");
    put("b", "1b");
    Range all = Range.range(b("a"), Bytes.FROM_KEY);
    assertThat(keys(store.range(all.sorted(SortTarget.KEY, SortOrder.DESCEND))))
        .containsExactly("c", "b", "a");
    assertThat(keys(store.range(all.sorted(SortTarget.VALUE, SortOrder.ASCEND))))
        .containsExactly("b", "c", "a");
    // a target other than KEY with order NONE sorts ascending (etcd)
    assertThat(keys(store.range(all.sorted(SortTarget.MOD, SortOrder.NONE))))
        .containsExactly("a", "c", "b");
    assertThat(keys(store.range(all.sorted(SortTarget.CREATE, SortOrder.DESCEND))))
        .containsExactly("c", "b", "a");
    assertThat(keys(store.range(all.sorted(SortTarget.VERSION, SortOrder.DESCEND))).get(0))
        .isEqualTo("b");
    Range.Result byValueKeysOnly =
        store.range(all.sorted(SortTarget.VALUE, SortOrder.DESCEND).keysOnly(true));
    assertThat(keys(byValueKeysOnly)).containsExactly("a", "c", "b");
    assertThat(byValueKeysOnly.kvs()).allMatch(kv -> kv.value().length == 0);
    // limit applies after sorting; count stays the full count
    Range.Result r = store.range(all.sorted(SortTarget.MOD, SortOrder.DESCEND).withLimit(1));
    assertThat(keys(r)).containsExactly("b");
    assertThat(r.more()).isTrue();
    assertThat(r.count()).isEqualTo(3);
  }

  @Test
  void minMaxRevisionFilters() {
    put("a", "1"); // 2
    put("b", "1"); // 3
    put("c", "1"); // 4
    put("a", "2"); // 5
    Range all = Range.range(b("a"), Bytes.FROM_KEY);
    assertThat(keys(store.range(all.revisionBounds(4, 0, 0, 0)))).containsExactly("a", "c");
    assertThat(keys(store.range(all.revisionBounds(0, 4, 0, 0)))).containsExactly("b", "c");
    assertThat(keys(store.range(all.revisionBounds(0, 0, 3, 0)))).containsExactly("b", "c");
    Range.Result r = store.range(all.revisionBounds(0, 0, 0, 2));
    assertThat(keys(r)).containsExactly("a");
    assertThat(r.count()).isEqualTo(3);
  }

  @Test
  void readsAtPastRevisions() {
    put("a", "1"); // 2
    put("a", "2"); // 3
    delete("a"); // 4
    put("b", "1"); // 5
    Range a = Range.get(b("a"));
    assertThat(store.range(a.atRevision(2)).kvs().get(0).value()).isEqualTo(b("1"));
    assertThat(store.range(a.atRevision(3)).kvs().get(0).value()).isEqualTo(b("2"));
    assertThat(store.range(a.atRevision(4)).kvs()).isEmpty();
    assertThat(store.range(a.atRevision(1)).kvs()).isEmpty();
    // the header carries the current revision, not the one read at
    assertThat(store.range(a.atRevision(2)).revision()).isEqualTo(5);
    assertThatThrownBy(() -> store.range(a.atRevision(6)))
        .isInstanceOf(KvException.class)
        .hasMessage("mvcc: required revision is a future revision");
  }

  @Test
  void compactionDropsHistoryButKeepsLaterReads() {
    put("a", "1"); // 2
    put("a", "2"); // 3
    put("b", "1"); // 4
    delete("b"); // 5
    put("c", "1"); // 6
    long hashAt5 = store.hashKV(5);
    long hashNow = store.hashKV(0);
    long hashBefore = store.hash();
    Compact.Result c = (Compact.Result) ok(new Compact(5));
    assertThat(c.revision()).isEqualTo(6);
    assertThat(store.revision()).isEqualTo(6);
    assertThat(store.compactedRevision()).isEqualTo(5);
    assertThat(store.hash()).isNotEqualTo(hashBefore);
    assertThat(store.hashKV(5)).isEqualTo(hashAt5);
    assertThat(store.hashKV(0)).isEqualTo(hashNow);
    assertThat(store.range(Range.get(b("a")).atRevision(5)).kvs().get(0).value()).isEqualTo(b("2"));
    assertThat(get("b")).isNull();
    assertThatThrownBy(() -> store.range(Range.get(b("a")).atRevision(4)))
        .isInstanceOf(KvException.class)
        .hasMessage("mvcc: required revision has been compacted");
    assertThat(refused(new Compact(5)).getMessage())
        .isEqualTo("mvcc: required revision has been compacted");
    assertThat(refused(new Compact(7)).getMessage())
        .isEqualTo("mvcc: required revision is a future revision");
    assertThat(refused(new Compact(3)).code()).isEqualTo(KvException.Code.COMPACTED);
    // the history left is one record per present key
    put("a", "3");
    ok(new Compact(7));
    assertThat(get("a").version()).isEqualTo(3);
    assertThat(get("a").createRevision()).isEqualTo(2);
  }

  @Test
  void putOptions() {
    put("a", "1", 7);
    Put.Result r = (Put.Result) ok(new Put(b("a"), b("2"), 7, true, false, false));
    assertThat(r.prevKv().value()).isEqualTo(b("1"));
    assertThat(put("fresh", "x").prevKv()).isNull();
    ok(new Put(b("a"), Bytes.EMPTY, 0, false, true, true));
    assertThat(get("a")).isEqualTo(new KeyValue(b("a"), 2, 5, 3, b("2"), 7));
    ok(new Put(b("a"), b("3"), 0, false, false, true));
    assertThat(get("a").lease()).isEqualTo(7);
    assertThat(refused(new Put(b("nope"), Bytes.EMPTY, 0, false, true, false)).getMessage())
        .isEqualTo("etcdserver: key not found");
    assertThat(refused(new Put(b("a"), b("v"), 0, false, true, false)).getMessage())
        .isEqualTo("etcdserver: value is provided");
    assertThat(refused(new Put(b("a"), b("v"), 3, false, false, true)).getMessage())
        .isEqualTo("etcdserver: lease is provided");
    assertThat(refused(Put.of(Bytes.EMPTY, b("v"))).getMessage())
        .isEqualTo("etcdserver: key is not provided");
    assertThat(store.revision()).isEqualTo(6);
  }

  @Test
  void putWithAnUnknownLeaseIsRefused() {
    store.close();
    store = KvStore.open(tmp.resolve("leased"), KvOptions.DEFAULTS.withLeaseExists(id -> id == 5));
    put("a", "1", 5);
    assertThat(refused(new Put(b("a"), b("2"), 6, false, false, false)).getMessage())
        .isEqualTo("etcdserver: requested lease not found");
    KvException e =
        refused(
            new Txn(
                List.of(),
                List.of(Put.of("b", "1"), new Put(b("c"), b("1"), 7, false, false, false)),
                List.of()));
    assertThat(e.code()).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
    assertThat(get("b")).isNull();
    assertThat(get("a").lease()).isEqualTo(5);
    assertThat(store.revision()).isEqualTo(2);
  }

  @Test
  void leaseKeysFollowPutsAndDeletes() {
    put("a", "1", 5);
    put("b", "1", 5);
    put("c", "1", 6);
    put("b", "2", 6); // moves b to lease 6
    put("d", "1", 5);
    delete("d");
    assertThat(store.keysWithLease(5)).extracting(StoreFixture::str).containsExactly("a");
    assertThat(store.keysWithLease(6)).extracting(StoreFixture::str).containsExactly("b", "c");
    long rev = store.revision();
    LeaseRevokeResponse r = (LeaseRevokeResponse) ok(new LeaseRevokeRequest(6));
    assertThat(r.deleted()).isEqualTo(2);
    assertThat(r.revision()).isEqualTo(rev + 1);
    assertThat(get("b")).isNull();
    assertThat(get("c")).isNull();
    assertThat(store.keysWithLease(6)).isEmpty();
    assertThat(((LeaseRevokeResponse) ok(new LeaseRevokeRequest(99))).revision())
        .isEqualTo(rev + 1);
  }

  @Test
  void replayedIndexIsSkipped() {
    put("a", "1");
    ApplyResult again = store.apply(index, List.of(Put.of("a", "2")));
    assertThat(again.skipped()).isTrue();
    assertThat(get("a").value()).isEqualTo(b("1"));
    ApplyResult empty = store.apply(index + 5, List.of());
    assertThat(empty.appliedIndex()).isEqualTo(index + 5);
    assertThat(store.revision()).isEqualTo(2);
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replicated lease table: grant, revoke, puts checked against it, persistence. */
class LeaseTableTest {
  @TempDir Path tmp;
  private KvStore store;
  private long index;

  @BeforeEach
  void open() {
    store = KvStore.open(tmp.resolve("db"), KvOptions.DEFAULTS.withGrantedLeases());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private OpResult apply(Op op) {
    return store.apply(++index, List.of(op)).results().get(0);
  }

  private Put put(String k, long lease) {
    return new Put(Bytes.of(k), Bytes.of("v"), lease, false, false, false);
  }

  @Test
  void aPutNeedingAMissingKeyWithAnUnknownLeaseFailsOnTheLeaseAloneButInATxnOnTheKey() {
    // etcd's Put looks the lease up first; its txn check (checkRequestPut) looks for the key first
    // (found by the differential test against etcd 3.4)
    Put p = new Put(Bytes.of("missing"), Bytes.EMPTY, 77, false, true, false);
    assertThat(apply(p).error().code()).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
    Txn t = new Txn(List.of(), List.of(p), List.of());
    assertThat(apply(t).error().code()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
  }

  @Test
  void grantWithClientIdAndDuplicate() {
    LeaseGrantResponse g = (LeaseGrantResponse) apply(new LeaseGrantRequest(42, 10)).orThrow();
    assertThat(g.id()).isEqualTo(42);
    assertThat(g.ttlSeconds()).isEqualTo(10);
    assertThat(g.revision()).isEqualTo(1);
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.lease(42)).isEqualTo(new Lease(42, 10));
    OpResult dup = apply(new LeaseGrantRequest(42, 5));
    assertThat(dup.error().code()).isEqualTo(KvException.Code.LEASE_EXISTS);
    assertThat(dup.error().getMessage()).isEqualTo("etcdserver: lease already exists");
    assertThat(store.lease(42).ttlSeconds()).isEqualTo(10);
  }

  @Test
  void serverChosenIdComesFromTheRaftIndexAndSkipsTakenIds() {
    index = 9;
    assertThat(((LeaseGrantResponse) apply(new LeaseGrantRequest(11, 3)).orThrow()).id())
        .isEqualTo(11);
    // index 11 is taken by the client-chosen lease: the next free id is used
    LeaseGrantResponse g = (LeaseGrantResponse) apply(new LeaseGrantRequest(0, 3)).orThrow();
    assertThat(g.id()).isEqualTo(12);
    assertThat(store.leases()).containsExactly(new Lease(11, 3), new Lease(12, 3));
  }

  @Test
  void putWithUnknownLeaseIsRefusedAndGrantedOneAccepted() {
    assertThat(apply(put("a", 7)).error().code()).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
    apply(new LeaseGrantRequest(7, 10)).orThrow();
    apply(put("a", 7)).orThrow();
    assertThat(store.keysWithLease(7))
        .extracting(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8))
        .containsExactly("a");
  }

  @Test
  void grantAndPutInOneBatchSeeEachOther() {
    store.applyAll(
        List.of(
            new KvStore.Entry(++index, List.of(new LeaseGrantRequest(5, 10))),
            new KvStore.Entry(++index, List.of(put("k", 5)))));
    assertThat(store.keysWithLease(5)).hasSize(1);
  }

  @Test
  void revokeDeletesKeysInOneRevisionAndTheLease() {
    apply(new LeaseGrantRequest(7, 10)).orThrow();
    apply(put("a", 7)).orThrow();
    apply(put("b", 7)).orThrow();
    apply(put("c", 0)).orThrow();
    long rev = store.revision();
    LeaseRevokeResponse r = (LeaseRevokeResponse) apply(new LeaseRevokeRequest(7)).orThrow();
    assertThat(r.deleted()).isEqualTo(2);
    assertThat(r.revision()).isEqualTo(rev + 1);
    assertThat(store.revision()).isEqualTo(rev + 1);
    assertThat(store.range(Range.get(Bytes.of("a"))).kvs()).isEmpty();
    assertThat(store.range(Range.get(Bytes.of("c"))).kvs()).hasSize(1);
    assertThat(store.lease(7)).isNull();
    assertThat(store.leases()).isEmpty();
    OpResult again = apply(new LeaseRevokeRequest(7));
    assertThat(again.error().code()).isEqualTo(KvException.Code.LEASE_NOT_FOUND);
    assertThat(again.error().getMessage()).isEqualTo("etcdserver: requested lease not found");
  }

  @Test
  void restartKeepsLeases() {
    apply(new LeaseGrantRequest(7, 10)).orThrow();
    apply(new LeaseGrantRequest(8, 20)).orThrow();
    apply(put("a", 8)).orThrow();
    store.close();
    store = KvStore.open(tmp.resolve("db"), KvOptions.DEFAULTS.withGrantedLeases());
    assertThat(store.leases()).containsExactly(new Lease(7, 10), new Lease(8, 20));
    assertThat(store.keysWithLease(8)).hasSize(1);
    assertThat(apply(new LeaseGrantRequest(7, 1)).error().code())
        .isEqualTo(KvException.Code.LEASE_EXISTS);
  }

  @Test
  void commandsRoundTrip() {
    for (Op op :
        List.<Op>of(
            new LeaseGrantRequest(0, 5),
            new LeaseGrantRequest(-3, Long.MAX_VALUE),
            new LeaseRevokeRequest(9))) {
      assertThat(KvCommands.decode(KvCommands.encode(op))).isEqualTo(op);
    }
  }
}

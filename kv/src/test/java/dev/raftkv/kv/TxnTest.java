package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.Compare.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TxnTest extends StoreFixture {

  static Txn txn(List<Compare> cmp, List<RequestOp> success, List<RequestOp> failure) {
    return new Txn(cmp, success, failure);
  }

  Txn.Result run(Txn t) {
    return (Txn.Result) ok(t);
  }

  @Test
  void txnIsOneRevisionWithSubRevisionsAndEvents() {
    put("a", "0"); // 2
    ApplyResult r =
        store.apply(
            ++index,
            List.of(
                txn(
                    List.of(),
                    List.of(Put.of("a", "1"), Put.of("b", "1"), DeleteRange.key(b("zz"))),
                    List.of())));
    Txn.Result t = (Txn.Result) r.results().get(0).orThrow();
    assertThat(t.succeeded()).isTrue();
    assertThat(t.revision()).isEqualTo(3);
    assertThat(get("a")).isEqualTo(new KeyValue(b("a"), 2, 3, 2, b("1"), 0));
    assertThat(get("b")).isEqualTo(new KeyValue(b("b"), 3, 3, 1, b("1"), 0));
    assertThat(r.events()).hasSize(2);
    assertThat(t.responses()).extracting(Response::revision).containsOnly(3L);
    // inside a txn each response has the revision etcd gives it; a nested txn's header stays 0
    Txn.Result u =
        run(
            txn(
                List.of(),
                List.of(
                    Range.get(b("a")),
                    DeleteRange.key(b("nope")),
                    Put.of("c", "1"),
                    Range.get(b("a")),
                    DeleteRange.key(b("nope")),
                    txn(List.of(), List.of(Range.get(b("a"))), List.of())),
                List.of()));
    assertThat(u.revision()).isEqualTo(4);
    assertThat(u.responses())
        .extracting(Response::revision)
        .containsExactly(3L, 3L, 4L, 4L, 4L, 0L);
    assertThat(((Txn.Result) u.responses().get(5)).responses().get(0).revision()).isEqualTo(4);
  }

  @Test
  void readsInsideTxnSeeItsOwnWrites() {
    put("a", "0"); // 2
    Txn.Result t =
        run(
            txn(
                List.of(),
                List.of(
                    Range.get(b("a")),
                    Put.of("a", "1"),
                    Range.get(b("a")),
                    DeleteRange.key(b("b")),
                    Range.get(b("a")).atRevision(2)),
                List.of()));
    assertThat(((Range.Result) t.responses().get(0)).kvs().get(0).value()).isEqualTo(b("0"));
    assertThat(((Range.Result) t.responses().get(2)).kvs().get(0).value()).isEqualTo(b("1"));
    assertThat(((Range.Result) t.responses().get(4)).kvs().get(0).value()).isEqualTo(b("0"));
  }

  @Test
  void comparesOnEveryTargetAndResult() {
    put("a", "v1", 9); // 2
    put("a", "v2", 9); // 3 version 2
    byte[] a = b("a");
    assertThat(holds(Compare.version(a, Result.EQUAL, 2))).isTrue();
    assertThat(holds(Compare.version(a, Result.GREATER, 1))).isTrue();
    assertThat(holds(Compare.version(a, Result.LESS, 2))).isFalse();
    assertThat(holds(Compare.version(a, Result.NOT_EQUAL, 2))).isFalse();
    assertThat(holds(Compare.create(a, Result.EQUAL, 2))).isTrue();
    assertThat(holds(Compare.mod(a, Result.EQUAL, 3))).isTrue();
    assertThat(holds(Compare.mod(a, Result.LESS, 3))).isFalse();
    assertThat(holds(Compare.lease(a, Result.EQUAL, 9))).isTrue();
    assertThat(holds(Compare.value(a, Result.EQUAL, b("v2")))).isTrue();
    assertThat(holds(Compare.value(a, Result.GREATER, b("v1")))).isTrue();
    assertThat(holds(Compare.value(a, Result.LESS, b("v1")))).isFalse();
    // a missing key: version/create/mod/lease are 0, a value compare always fails
    byte[] m = b("missing");
    assertThat(holds(Compare.version(m, Result.EQUAL, 0))).isTrue();
    assertThat(holds(Compare.create(m, Result.EQUAL, 0))).isTrue();
    assertThat(holds(Compare.value(m, Result.EQUAL, Bytes.EMPTY))).isFalse();
    assertThat(holds(Compare.value(m, Result.NOT_EQUAL, b("x")))).isFalse();
    // with a range end, every key in the range must satisfy it
    put("b", "v1"); // 4
    assertThat(holds(new Compare(b("a"), b("c"), Compare.Target.VERSION, Result.GREATER, 0, null)))
        .isTrue();
    assertThat(holds(new Compare(b("a"), b("c"), Compare.Target.VERSION, Result.EQUAL, 2, null)))
        .isFalse();
    assertThat(store.revision()).isEqualTo(4);
  }

  private boolean holds(Compare c) {
    return run(txn(List.of(c), List.of(), List.of())).succeeded();
  }

  @Test
  void failingTxnRunsFailureBranchAndReadOnlyTxnKeepsRevision() {
    put("a", "1"); // 2
    Txn.Result t =
        run(
            txn(
                List.of(Compare.value(b("a"), Result.EQUAL, b("nope"))),
                List.of(Put.of("a", "2")),
                List.of(Range.get(b("a")))));
    assertThat(t.succeeded()).isFalse();
    assertThat(t.revision()).isEqualTo(2);
    assertThat(((Range.Result) t.responses().get(0)).kvs()).hasSize(1);
    assertThat(store.revision()).isEqualTo(2);
    assertThat(get("a").value()).isEqualTo(b("1"));
  }

  @Test
  void nestedTxnsDecideOnTheStateBeforeTheTxn() {
    put("a", "1"); // 2
    // the outer txn writes a=2 first; the nested compare still sees a=1
    Txn.Result t =
        run(
            txn(
                List.of(),
                List.of(
                    Put.of("x", "2"),
                    txn(
                        List.of(Compare.value(b("x"), Result.EQUAL, b("2"))),
                        List.of(Put.of("y", "then")),
                        List.of(
                            Put.of("y", "else"),
                            txn(
                                List.of(Compare.version(b("a"), Result.EQUAL, 1)),
                                List.of(Put.of("z", "deep")),
                                List.of())))),
                List.of()));
    Txn.Result nested = (Txn.Result) t.responses().get(1);
    assertThat(nested.succeeded()).isFalse();
    assertThat(((Txn.Result) nested.responses().get(1)).succeeded()).isTrue();
    assertThat(get("y").value()).isEqualTo(b("else"));
    assertThat(get("z").value()).isEqualTo(b("deep"));
    assertThat(get("z").modRevision()).isEqualTo(3);
    assertThat(get("z").createRevision()).isEqualTo(3);
    assertThat(store.revision()).isEqualTo(3);
  }

  @Test
  void duplicateWriteKeysAreRefused() {
    put("a", "1");
    long rev = store.revision();
    String dup = "etcdserver: duplicate key given in txn request";
    assertThat(
            refused(txn(List.of(), List.of(Put.of("k", "1"), Put.of("k", "2")), List.of()))
                .getMessage())
        .isEqualTo(dup);
    // a put inside a deleted range
    assertThat(
            refused(
                    txn(
                        List.of(),
                        List.of(DeleteRange.range(b("a"), b("z")), Put.of("k", "2")),
                        List.of()))
                .getMessage())
        .isEqualTo(dup);
    // a nested put of a key the outer level also puts
    assertThat(
            refused(
                    txn(
                        List.of(),
                        List.of(
                            Put.of("k", "1"), txn(List.of(), List.of(Put.of("k", "2")), List.of())),
                        List.of()))
                .code())
        .isEqualTo(KvException.Code.DUPLICATE_KEY);
    // the same put in both branches of a nested txn is fine, as is the same key in both branches
    run(
        txn(
            List.of(),
            List.of(txn(List.of(), List.of(Put.of("k", "1")), List.of(Put.of("k", "2")))),
            List.of(Put.of("k", "3"))));
    // reads of a written key are fine
    run(txn(List.of(), List.of(Put.of("k", "1"), Range.get(b("k"))), List.of()));
    assertThat(store.revision()).isEqualTo(rev + 2);
  }

  @Test
  void opLimitsAndBadRevisionsRefuseTheWholeTxn() {
    List<RequestOp> many = new ArrayList<>();
    for (int i = 0; i <= KvOptions.DEFAULT_MAX_TXN_OPS; i++) {
      many.add(Range.get(b("k" + i)));
    }
    assertThat(refused(txn(List.of(), many, List.of())).getMessage())
        .isEqualTo("etcdserver: too many operations in txn request");
    assertThat(refused(txn(List.of(), List.of(), List.of(txn(List.of(), many, List.of())))).code())
        .isEqualTo(KvException.Code.TOO_MANY_OPS);
    run(txn(List.of(), many.subList(0, KvOptions.DEFAULT_MAX_TXN_OPS), List.of()));

    put("a", "1");
    long rev = store.revision();
    KvException e =
        refused(
            txn(
                List.of(),
                List.of(Put.of("b", "1"), Range.get(b("a")).atRevision(rev + 1)),
                List.of()));
    assertThat(e.getMessage()).isEqualTo("mvcc: required revision is a future revision");
    assertThat(get("b")).isNull();
    e =
        refused(
            txn(
                List.of(),
                List.of(Put.of("b", "1"), new Put(b("nope"), Bytes.EMPTY, 0, false, true, false)),
                List.of()));
    assertThat(e.code()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    assertThat(get("b")).isNull();
    assertThat(refused(txn(List.of(), List.of(Put.of(Bytes.EMPTY, b("x"))), List.of())).code())
        .isEqualTo(KvException.Code.EMPTY_KEY);
    assertThat(store.revision()).isEqualTo(rev);
  }

  @Test
  void putOptionsAreCheckedOnBothBranchesBeforeTheComparesAsEtcd() {
    // etcd's checkPutRequest runs on every op of both branches before the txn is decided, so a
    // bad put in the branch not taken still refuses the txn (found by the differential test)
    long rev = store.revision();
    Put valueWithIgnoreValue = new Put(b("x"), b("v"), 0, false, true, false);
    Put leaseWithIgnoreLease = new Put(b("x"), Bytes.EMPTY, 5, false, false, true);
    assertThat(
            refused(txn(List.of(), List.of(Put.of("a", "1")), List.of(valueWithIgnoreValue)))
                .code())
        .isEqualTo(KvException.Code.VALUE_PROVIDED);
    assertThat(
            refused(
                    txn(
                        List.of(),
                        List.of(
                            txn(List.of(), List.of(), List.of(leaseWithIgnoreLease)),
                            Put.of("a", "1")),
                        List.of()))
                .code())
        .isEqualTo(KvException.Code.LEASE_PROVIDED);
    assertThat(store.revision()).isEqualTo(rev);
  }

  @Test
  void aNestedTxnGetsTheOpBudgetLeftByItsParentAsEtcd() {
    // etcd checks a nested txn against maxTxnOps minus the largest of its parent's compare,
    // success and failure counts: here 128 - 10 = 118
    int budget = KvOptions.DEFAULT_MAX_TXN_OPS - 10;
    List<RequestOp> nested = new ArrayList<>();
    for (int i = 0; i <= budget; i++) {
      nested.add(Range.get(b("k" + i)));
    }
    List<RequestOp> outer = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      outer.add(Range.get(b("k" + i)));
    }
    outer.add(txn(List.of(), nested.subList(0, budget), List.of()));
    run(txn(List.of(), outer, List.of()));
    outer.set(9, txn(List.of(), nested, List.of()));
    assertThat(refused(txn(List.of(), outer, List.of())).code())
        .isEqualTo(KvException.Code.TOO_MANY_OPS);
  }

  @Test
  void aFromKeyDeleteDoesNotCountAsCoveringPutsInTheDuplicateCheckAsEtcd() {
    // etcd's checkIntervals makes the interval [key, "\0") of a from-key delete literally, which
    // is empty, so a put above the key in the same branch is accepted (found by the differential
    // test against etcd 3.4); the txn then deletes first and puts after, as written
    put("b", "0");
    Txn.Result t =
        run(
            txn(
                List.of(),
                List.of(new DeleteRange(b("a"), Bytes.FROM_KEY, false), Put.of("e", "1")),
                List.of()));
    assertThat(t.succeeded()).isTrue();
    assertThat(get("b")).isNull();
    assertThat(str(get("e").value())).isEqualTo("1");
  }

  @Test
  void putChecksOnThePathComeBeforeRangeChecksAsEtcd() {
    // etcd's Txn runs checkRequests(checkPut) over the whole path, then checkRequests(checkRange):
    // a bad put after a bad range revision is the error reported (found by the differential test)
    put("a", "1");
    long rev = store.revision();
    KvException e =
        refused(
            txn(
                List.of(),
                List.of(
                    Range.get(b("a")).atRevision(rev + 5),
                    txn(
                        List.of(),
                        List.of(new Put(b("nope"), Bytes.EMPTY, 0, false, true, false)),
                        List.of())),
                List.of()));
    assertThat(e.code()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
  }

  @Test
  void anIgnoreLeasePutOfAKeyTheSameTxnDeletedIsRefusedWhole() {
    // etcd's checks pass this txn (the from-key delete covers nothing in its duplicate check, and
    // the key exists before the txn) and etcd 3.4 then panics applying it; raftkv refuses it whole
    // with etcd's error for a missing key instead of failing its apply (found by the differential
    // test: raftkv's apply threw a NullPointerException and the request timed out)
    put("a", "1");
    long rev = store.revision();
    KvException e =
        refused(
            txn(
                List.of(),
                List.of(
                    new DeleteRange(b("a"), Bytes.FROM_KEY, true),
                    new Put(b("a"), b("2"), 0, false, false, true)),
                List.of()));
    assertThat(e.code()).isEqualTo(KvException.Code.KEY_NOT_FOUND);
    assertThat(store.revision()).isEqualTo(rev);
    assertThat(str(get("a").value())).isEqualTo("1");
    put("b", "1");
    assertThat(store.revision()).isEqualTo(rev + 1);
  }

  @Test
  void aRefusedOpDoesNotStopTheOthersOfTheEntry() {
    ApplyResult r =
        store.apply(
            ++index,
            List.of(
                Put.of("a", "1"),
                txn(List.of(), List.of(Put.of("k", "1"), Put.of("k", "2")), List.of()),
                Put.of("b", "1")));
    assertThat(r.results()).extracting(OpResult::isOk).containsExactly(true, false, true);
    assertThat(r.revision()).isEqualTo(3);
    assertThat(get("k")).isNull();
    assertThat(get("b").modRevision()).isEqualTo(3);
  }
}

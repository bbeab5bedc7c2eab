package dev.raftkv.kv;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh store in a temp dir per test, with short helpers; each helper call is one Raft entry. */
abstract class StoreFixture {
  @TempDir Path tmp;
  KvStore store;
  long index;

  @BeforeEach
  void openStore() {
    store = KvStore.open(tmp.resolve("db"));
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static byte[] b(String s) {
    return Bytes.of(s);
  }

  static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  OpResult applyOne(Op op) {
    return store.apply(++index, List.of(op)).results().get(0);
  }

  Response ok(Op op) {
    return applyOne(op).orThrow();
  }

  Put.Result put(String k, String v) {
    return (Put.Result) ok(Put.of(k, v));
  }

  Put.Result put(String k, String v, long lease) {
    return (Put.Result) ok(new Put(b(k), b(v), lease, false, false, false));
  }

  DeleteRange.Result delete(String k) {
    return (DeleteRange.Result) ok(DeleteRange.key(b(k)));
  }

  KvException refused(Op op) {
    OpResult r = applyOne(op);
    if (r.isOk()) {
      throw new AssertionError("expected a refusal, got " + r.response());
    }
    return r.error();
  }

  KeyValue get(String k) {
    List<KeyValue> kvs = store.range(Range.get(b(k))).kvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  static List<String> keys(Range.Result r) {
    return r.kvs().stream().map(kv -> str(kv.key())).toList();
  }
}

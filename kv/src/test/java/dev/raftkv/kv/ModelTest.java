package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.kv.Compare.Result;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random ops against the store and the {@link ReferenceModel}; every answer must agree. */
class ModelTest extends StoreFixture {
  private static final String[] KEYS = {"a", "ab", "abc", "b", "b\0", "b\0\0", "ba", "c", "\u00ff"};

  private Random random;

  private byte[] anyKey() {
    return ReferenceModel.key(KEYS[random.nextInt(KEYS.length)]);
  }

  private byte[] anyEnd(byte[] key) {
    return switch (random.nextInt(5)) {
      case 0, 1 -> Bytes.EMPTY;
      case 2 -> Bytes.FROM_KEY;
      case 3 -> Bytes.prefixEnd(key);
      default -> anyKey();
    };
  }

  private Put anyPut() {
    return new Put(
        anyKey(),
        Bytes.of("v" + random.nextInt(5)),
        random.nextInt(3),
        random.nextBoolean(),
        false,
        false);
  }

  private DeleteRange anyDelete() {
    byte[] k = anyKey();
    return new DeleteRange(k, anyEnd(k), random.nextBoolean());
  }

  private Range anyRange(long rev, long compacted) {
    byte[] k = anyKey();
    Range r = Range.range(k, anyEnd(k));
    if (random.nextInt(3) == 0) {
      // sometimes a bad revision, to compare the errors as well
      r = r.atRevision(compacted - 1 + random.nextInt((int) (rev - compacted + 3)));
    }
    if (random.nextInt(3) == 0) {
      r = r.withLimit(1 + random.nextInt(3));
    }
    if (random.nextInt(4) == 0) {
      r = r.sorted(Range.SortTarget.MOD, Range.SortOrder.DESCEND);
    } else if (random.nextInt(6) == 0) {
      r = r.sorted(Range.SortTarget.KEY, Range.SortOrder.DESCEND);
    }
    return r.keysOnly(random.nextInt(5) == 0).countOnly(random.nextInt(8) == 0);
  }

  private Compare anyCompare() {
    Result res = Result.values()[random.nextInt(4)];
    byte[] k = anyKey();
    return switch (random.nextInt(4)) {
      case 0 -> Compare.version(k, res, random.nextInt(3));
      case 1 -> Compare.mod(k, res, random.nextInt(10));
      case 2 -> Compare.value(k, res, Bytes.of("v" + random.nextInt(5)));
      default -> new Compare(k, anyEnd(k), Compare.Target.LEASE, res, random.nextInt(3), null);
    };
  }

  private List<RequestOp> anyBranch() {
    List<RequestOp> ops = new ArrayList<>();
    int n = random.nextInt(4);
    for (int i = 0; i < n; i++) {
      switch (random.nextInt(3)) {
        case 0 -> ops.add(anyPut());
        case 1 -> ops.add(anyDelete());
        default -> ops.add(Range.range(anyKey(), Bytes.FROM_KEY).withLimit(random.nextInt(3)));
      }
    }
    return ops;
  }

  private Op anyOp(ReferenceModel model) {
    int p = random.nextInt(100);
    if (p < 35) {
      return anyPut();
    } else if (p < 50) {
      return anyDelete();
    } else if (p < 70) {
      return anyRange(model.revision, model.compacted);
    } else if (p < 92) {
      List<Compare> cmp = new ArrayList<>();
      for (int i = random.nextInt(3); i > 0; i--) {
        cmp.add(anyCompare());
      }
      return new Txn(cmp, anyBranch(), anyBranch());
    } else if (p < 97) {
      return new Compact(
          model.compacted + random.nextInt((int) (model.revision - model.compacted + 2)));
    } else {
      return new LeaseRevokeRequest(1 + random.nextInt(2));
    }
  }

  @Test
  void storeAgreesWithTheReferenceModel() {
    Set<Object> seen = new HashSet<>();
    long seeds = Long.getLong("raftkv.kv.modelSeeds", 6);
    for (long seed = 1; seed <= seeds; seed++) {
      random = new Random(seed);
      ReferenceModel model = new ReferenceModel();
      store.close();
      store = KvStore.open(tmp.resolve("seed" + seed));
      index = 0;
      for (int step = 0; step < 300; step++) {
        // several ops per entry, so that later ops read earlier ones through the batch
        List<Op> ops = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
          ops.add(anyOp(model));
        }
        ApplyResult got = store.apply(++index, ops);
        for (int i = 0; i < ops.size(); i++) {
          Object want = model.apply(ops.get(i));
          OpResult r = got.results().get(i);
          Object have = r.isOk() ? r.response() : r.error().code();
          assertThat(have).as("seed %d step %d op %s", seed, step, ops.get(i)).isEqualTo(want);
          seen.add(have instanceof Txn.Result t ? "txn " + t.succeeded() : have.getClass());
          seen.add(have);
        }
        assertThat(store.revision()).isEqualTo(model.revision);
        if (step % 25 == 0) {
          for (long rev = Math.max(1, model.compacted); rev <= model.revision; rev++) {
            List<KeyValue> all =
                store.range(Range.range(new byte[] {0}, Bytes.FROM_KEY).atRevision(rev)).kvs();
            assertThat(all).as("seed %d all keys at %d", seed, rev).isEqualTo(model.all(rev));
          }
        }
      }
      for (long lease = 1; lease <= 2; lease++) {
        long l = lease;
        assertThat(store.keysWithLease(lease))
            .extracting(k -> new String(k, StandardCharsets.ISO_8859_1))
            .containsExactlyElementsOf(
                model.all(model.revision).stream()
                    .filter(kv -> kv.lease() == l)
                    .map(kv -> new String(kv.key(), StandardCharsets.ISO_8859_1))
                    .toList());
      }
    }
    // the workload reached the interesting cases
    assertThat(seen)
        .contains(
            KvException.Code.DUPLICATE_KEY,
            KvException.Code.COMPACTED,
            KvException.Code.FUTURE_REV,
            "txn true",
            "txn false",
            Compact.Result.class,
            LeaseRevokeResponse.class);
  }
}

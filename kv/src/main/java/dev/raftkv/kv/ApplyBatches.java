package dev.raftkv.kv;

import java.util.List;
import org.rocksdb.ComparatorOptions;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.util.BytewiseComparator;

/**
 * Makes the write batch of one apply call, reserving its size up front when deletes of many keys
 * make it large. A delete writes two records a key (a tombstone and a revision record, each about
 * as long as the key); a batch that grows to hundreds of megabytes by doubling copies itself into
 * fresh memory over and over: in the 240,000-key delete that ends {@code etcdctl check perf
 * --load=l}, that copy and its page faults were a third of the apply. Reserved, it is written once.
 *
 * <p>Owned by the store; {@link #close} after the last batch.
 */
final class ApplyBatches implements AutoCloseable {
  /** Estimates below this take the ordinary growing batch. */
  static final long RESERVE_FROM = 1 << 20;

  /** Per deleted key, besides twice its length: revision suffixes, record headers. */
  static final int PER_KEY = 64;

  private final ComparatorOptions comparatorOptions = new ComparatorOptions();

  /**
   * Only for a column family the batch knows no comparator of; every write names its column family,
   * whose own comparator orders the batch's index, so this one is never called.
   */
  private final BytewiseComparator fallback = new BytewiseComparator(comparatorOptions);

  /** A batch for {@code entries} (overwriting keys, as reads through it expect). */
  WriteBatchWithIndex open(List<KvStore.Entry> entries, KeyIndex index) {
    long estimate = 0;
    for (KvStore.Entry e : entries) {
      for (Op op : e.ops()) {
        estimate += deleteBytes(op, index);
      }
    }
    if (estimate < RESERVE_FROM) {
      return new WriteBatchWithIndex(true);
    }
    return new WriteBatchWithIndex(fallback, (int) Math.min(estimate, Integer.MAX_VALUE - 8), true);
  }

  /** What the deletes of {@code op} (in every branch of a txn) write, estimated from the index. */
  static long deleteBytes(Op op, KeyIndex index) {
    if (op instanceof DeleteRange d) {
      return index.sum(d.key(), d.rangeEnd(), k -> 2L * k.length + PER_KEY);
    } else if (op instanceof Txn t) {
      long total = 0;
      for (RequestOp o : t.success()) {
        total += deleteBytes(o, index);
      }
      for (RequestOp o : t.failure()) {
        total += deleteBytes(o, index);
      }
      return total;
    }
    return 0;
  }

  @Override
  public void close() {
    fallback.close();
    comparatorOptions.close();
  }
}

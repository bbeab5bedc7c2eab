package dev.raftkv.kv;

/**
 * Told how long each batch of entries {@link KvStore} applies took, in all and in its RocksDB write
 * (etcd's backend commit); see {@link KvStore#observeApplies}. Called on the apply thread: must be
 * cheap and must not block.
 */
@FunctionalInterface
public interface ApplyTimings {
  /**
   * One batch of entries was applied.
   *
   * @param entries how many entries the batch had
   * @param applyNanos the whole apply, the write included
   * @param commitNanos the RocksDB write of the batch
   */
  void applied(int entries, long applyNanos, long commitNanos);
}

package dev.raftkv.kv;

import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * Settings of a {@link KvStore}.
 *
 * @param maxTxnOps etcd's {@code --max-txn-ops}: the most compares, and ops per branch, of a txn
 * @param leaseExists whether a lease id is granted and alive; a put with a lease it rejects is
 *     refused with {@link KvException.Code#LEASE_NOT_FOUND}. It is called on the apply thread and
 *     must answer from replicated state only (the lease manager's), so that every replica agrees.
 * @param valueCacheBytes how many bytes of the newest values the key index may keep on the heap, so
 *     that a put or a read of the current revision reads nothing from RocksDB; values past the
 *     budget are read from RocksDB (0: none kept)
 */
public record KvOptions(int maxTxnOps, LongPredicate leaseExists, long valueCacheBytes) {
  /** etcd's default {@code --max-txn-ops}. */
  public static final int DEFAULT_MAX_TXN_OPS = 128;

  /** The default value cache: 256 MiB. */
  public static final long DEFAULT_VALUE_CACHE_BYTES = 256L << 20;

  /** etcd's defaults; every lease id is accepted (until there is a lease manager). */
  public static final KvOptions DEFAULTS =
      new KvOptions(DEFAULT_MAX_TXN_OPS, id -> true, DEFAULT_VALUE_CACHE_BYTES);

  /**
   * The {@code leaseExists} of {@link #withGrantedLeases()}: not called, it tells the store to
   * check a put's lease against its own replicated lease table ({@link LeaseGrantRequest}).
   */
  public static final LongPredicate GRANTED_LEASES =
      new LongPredicate() {
        @Override
        public boolean test(long id) {
          throw new UnsupportedOperationException("answered by the store's lease table");
        }

        @Override
        public String toString() {
          return "GRANTED_LEASES";
        }
      };

  public KvOptions {
    if (maxTxnOps < 1) {
      throw new IllegalArgumentException("maxTxnOps must be positive: " + maxTxnOps);
    }
    Objects.requireNonNull(leaseExists, "leaseExists");
    if (valueCacheBytes < 0) {
      throw new IllegalArgumentException(
          "valueCacheBytes must not be negative: " + valueCacheBytes);
    }
  }

  public KvOptions withMaxTxnOps(int n) {
    return new KvOptions(n, leaseExists, valueCacheBytes);
  }

  public KvOptions withLeaseExists(LongPredicate p) {
    return new KvOptions(maxTxnOps, p, valueCacheBytes);
  }

  public KvOptions withValueCacheBytes(long bytes) {
    return new KvOptions(maxTxnOps, leaseExists, bytes);
  }

  /**
   * These options with a put's lease checked against the store's lease table: only a lease granted
   * by {@link LeaseGrantRequest} and not revoked is accepted, and revoking an unknown lease is
   * refused.
   */
  public KvOptions withGrantedLeases() {
    return new KvOptions(maxTxnOps, GRANTED_LEASES, valueCacheBytes);
  }

  /** Whether the store's lease table decides (see {@link #withGrantedLeases()}). */
  public boolean usesGrantedLeases() {
    return leaseExists == GRANTED_LEASES;
  }
}

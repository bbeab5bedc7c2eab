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
 */
public record KvOptions(int maxTxnOps, LongPredicate leaseExists) {
  /** etcd's default {@code --max-txn-ops}. */
  public static final int DEFAULT_MAX_TXN_OPS = 128;

  /** etcd's defaults; every lease id is accepted (until there is a lease manager). */
  public static final KvOptions DEFAULTS = new KvOptions(DEFAULT_MAX_TXN_OPS, id -> true);

  public KvOptions {
    if (maxTxnOps < 1) {
      throw new IllegalArgumentException("maxTxnOps must be positive: " + maxTxnOps);
    }
    Objects.requireNonNull(leaseExists, "leaseExists");
  }

  public KvOptions withMaxTxnOps(int n) {
    return new KvOptions(n, leaseExists);
  }

  public KvOptions withLeaseExists(LongPredicate p) {
    return new KvOptions(maxTxnOps, p);
  }
}

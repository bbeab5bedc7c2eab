package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.kv.AlarmMember;
import dev.raftkv.kv.AlarmRequest;
import dev.raftkv.kv.AlarmType;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's space quota ({@code --quota-backend-bytes}, its {@code quotaKVServer} and {@code
 * quotaLeaseServer}): before a put, a txn or a lease grant is proposed, the store's size plus the
 * request's cost (etcd's estimate) must stay below the quota. Otherwise the member raises a NOSPACE
 * alarm for itself through the log and, once that is applied, answers {@link EtcdError#NO_SPACE}.
 * The alarm then makes every member refuse writes at apply (the kv module's capped applier) until
 * an operator disarms it.
 *
 * <p>The size is {@link dev.raftkv.kv.KvStore#quotaSize()}: RocksDB's live data plus memtables,
 * measured after applying at most every 50 ms, so the check is a volatile read and a compare.
 */
final class SpaceQuota {
  /** etcd's estimate of what storing a key's metadata costs. */
  static final int KV_OVERHEAD = 256;

  /** etcd's estimate of what storing a lease costs. */
  static final int LEASE_OVERHEAD = 64;

  private final KvServer server;
  private final long bytes;

  /**
   * @param bytes the quota; negative: no quota (etcd's)
   */
  SpaceQuota(KvServer server, long bytes) {
    this.server = server;
    this.bytes = bytes < 0 ? Long.MAX_VALUE : bytes;
  }

  /** etcd's cost of a put: its key and value and the metadata overhead. */
  static long cost(PutRequest r) {
    return KV_OVERHEAD + (long) r.getKey().size() + r.getValue().size();
  }

  /**
   * etcd's cost of a txn: that of the puts among its success ops or its failure ops, whichever is
   * more (nested txns are not counted, as etcd's).
   */
  static long cost(TxnRequest r) {
    return Math.max(puts(r.getSuccessList()), puts(r.getFailureList()));
  }

  private static long puts(List<RequestOp> ops) {
    long sum = 0;
    for (RequestOp o : ops) {
      if (o.hasRequestPut()) {
        sum += cost(o.getRequestPut());
      }
    }
    return sum;
  }

  /** Whether a request costing {@code cost} fits under the quota now. */
  boolean available(long cost) {
    if (bytes == Long.MAX_VALUE) {
      return true; // no quota
    }
    return server.store().quotaSize() + cost < bytes;
  }

  /**
   * True when a request costing {@code cost} may be proposed; otherwise raises this member's
   * NOSPACE alarm (unless it is raised already), answers {@code out} with etcd's "database space
   * exceeded" once the alarm is applied, and returns false.
   */
  boolean admit(long cost, StreamObserver<?> out) {
    if (available(cost)) {
      return true;
    }
    AlarmMember mine = new AlarmMember(server.memberId(), AlarmType.NOSPACE);
    CompletableFuture<Object> raised =
        server.store().alarms().contains(mine)
            ? CompletableFuture.completedFuture(null)
            : server.apply(
                new AlarmRequest(
                    AlarmRequest.Action.ACTIVATE, server.memberId(), AlarmType.NOSPACE),
                null,
                r -> r);
    server.withTimeout(raised).whenComplete((r, e) -> out.onError(EtcdError.NO_SPACE.exception()));
    return false;
  }
}

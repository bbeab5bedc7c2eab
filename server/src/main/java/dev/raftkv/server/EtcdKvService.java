package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.CompactionRequest;
import dev.raftkv.api.etcdserverpb.CompactionResponse;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.DeleteRangeResponse;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.PutResponse;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.TxnResponse;
import dev.raftkv.kv.Compact;
import dev.raftkv.kv.DeleteRange;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.Range;
import dev.raftkv.kv.Response;
import dev.raftkv.kv.Txn;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * etcd's {@code KV} service. Writes (Put, DeleteRange, Txn, Compact) go through the Raft log: a
 * follower's proposal is forwarded to the leader by the Raft core, and the answer comes from the
 * result of applying it on this member. Ranges are linearizable (ReadIndex) unless {@code
 * serializable} is set, then served from local state at once. Errors carry etcd's gRPC codes and
 * exact messages.
 *
 * <p>Threads: the handlers never block, so the server runs them on the transport's event loop (no
 * hand-off per call, see {@link RaftkvServer}); they only queue a proposal or a read barrier, and
 * the answer is built and sent by the thread that completes it (the apply thread). A serializable
 * range, which reads RocksDB at once (and waits out a snapshot restore), runs on the core's
 * blocking-read executor instead.
 */
final class EtcdKvService extends KVGrpc.KVImplBase {
  private final KvServer server;

  EtcdKvService(KvServer server) {
    this.server = server;
  }

  @Override
  public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
    if (req.getKey().isEmpty()) {
      out.onError(EtcdError.KEY_NOT_PROVIDED.exception());
      return;
    }
    if (!server.auth().enabled()) {
      server.reply(read(req, null), out);
      return;
    }
    server.reply(
        server.auth().callerAfter(server::readBarrier).thenCompose(caller -> read(req, caller)),
        out);
  }

  /**
   * The range, after a read barrier unless serializable; while auth is enabled, if {@code caller}
   * may read it (etcd checks a read on the member that serves it).
   */
  private CompletableFuture<RangeResponse> read(RangeRequest req, AuthInfo caller) {
    Function<Long, RangeResponse> read =
        ignored -> {
          if (caller != null || server.auth().enabled()) {
            server.auth().checkRead(caller, req.getKey().toByteArray(), rangeEnd(req));
          }
          Range.Result r = server.store().range(EtcdProtos.toKv(req));
          return EtcdProtos.toProto(r, server.header(r.revision()));
        };
    return req.getSerializable()
        ? CompletableFuture.completedFuture(0L).thenApplyAsync(read, server.blockingReads())
        : server.readBarrier().thenApply(read);
  }

  /** The range end as etcd's permission check takes it (empty: the one key). */
  private static byte[] rangeEnd(RangeRequest req) {
    return req.getRangeEnd().toByteArray();
  }

  @Override
  public void put(PutRequest req, StreamObserver<PutResponse> out) {
    if (!server.quota().admit(SpaceQuota.cost(req), out)) {
      return; // etcd's quotaKVServer checks before anything else
    }
    if (req.getKey().isEmpty()) {
      out.onError(EtcdError.KEY_NOT_PROVIDED.exception());
      return;
    }
    propose(
        EtcdProtos.toKv(req),
        req.getSerializedSize(),
        out,
        r -> EtcdProtos.toProto((Put.Result) r, server.header(r.revision())));
  }

  @Override
  public void deleteRange(DeleteRangeRequest req, StreamObserver<DeleteRangeResponse> out) {
    if (req.getKey().isEmpty()) {
      out.onError(EtcdError.KEY_NOT_PROVIDED.exception());
      return;
    }
    propose(
        EtcdProtos.toKv(req),
        req.getSerializedSize(),
        out,
        r -> EtcdProtos.toProto((DeleteRange.Result) r, server.header(r.revision())));
  }

  @Override
  public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
    if (!server.quota().admit(SpaceQuota.cost(req), out)) {
      return;
    }
    Txn txn;
    try {
      txn = EtcdProtos.toKv(req);
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    propose(
        txn,
        req.getSerializedSize(),
        out,
        r -> EtcdProtos.toProto((Txn.Result) r, server.header(r.revision())));
  }

  /**
   * Compacts through the Raft log. The answer comes once the compaction is applied here (reads
   * below the revision fail from then on), within the request timeout; with {@code physical}, as
   * etcd, only once this member's background compactor also deleted what it dropped, for as long as
   * that takes (the client's deadline bounds that wait, as etcd's does, not the request timeout: a
   * large backlog takes seconds).
   */
  @Override
  public void compact(CompactionRequest req, StreamObserver<CompactionResponse> out) {
    CompletableFuture<CompactionResponse> f =
        server.withTimeout(
            server.apply(
                new Compact(req.getRevision()),
                r ->
                    CompactionResponse.newBuilder()
                        .setHeader(server.header(r.revision()))
                        .build()));
    if (req.getPhysical()) {
      f =
          f.thenApplyAsync(
              done -> {
                server.store().awaitCompaction(req.getRevision(), PHYSICAL_COMPACTION_WAIT);
                return done;
              },
              server.blockingReads());
    }
    KvServer.answer(f, out);
  }

  /** How long a physical compaction's answer waits for the background compactor at most. */
  static final Duration PHYSICAL_COMPACTION_WAIT = Duration.ofMinutes(10);

  private <T> void propose(Op op, int size, StreamObserver<T> out, Function<Response, T> convert) {
    if (size > KvServer.MAX_REQUEST_BYTES) {
      out.onError(EtcdError.REQUEST_TOO_LARGE.exception());
      return;
    }
    server.reply(server.apply(op, convert), out);
  }
}

package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.CompactionRequest;
import dev.raftkv.api.etcdserverpb.CompactionResponse;
import dev.raftkv.api.etcdserverpb.Compare;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.DeleteRangeResponse;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.PutResponse;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.ResponseOp;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.TxnResponse;
import dev.raftkv.api.mvccpb.KeyValue;
import dev.raftkv.kv.ApplyResult;
import dev.raftkv.kv.Compact;
import dev.raftkv.kv.DeleteRange;
import dev.raftkv.kv.KvCommands;
import dev.raftkv.kv.KvException;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.OpResult;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.Range;
import dev.raftkv.kv.Response;
import dev.raftkv.kv.Txn;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.runtime.RaftRuntime;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

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
 * range, which reads RocksDB at once (and waits out a snapshot restore), runs on {@code
 * blockingReads} instead.
 */
final class EtcdKvService extends KVGrpc.KVImplBase {
  /** etcd's default maximum request size (1.5 MiB). */
  static final int MAX_REQUEST_BYTES = 3 * 512 * 1024;

  private final RaftRuntime runtime;
  private final KvStateMachine kv;
  private final long clusterId;
  private final long memberId;
  private final RequestTimeouts timeouts;
  private final Executor blockingReads;

  /**
   * @param timeouts fails the calls not answered within the request timeout
   * @param blockingReads runs serializable ranges: they read RocksDB at once, which must not hold
   *     up the event loop the handlers run on
   */
  EtcdKvService(
      RaftRuntime runtime,
      KvStateMachine kv,
      long clusterId,
      long memberId,
      RequestTimeouts timeouts,
      Executor blockingReads) {
    this.runtime = runtime;
    this.kv = kv;
    this.clusterId = clusterId;
    this.memberId = memberId;
    this.timeouts = timeouts;
    this.blockingReads = blockingReads;
  }

  ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(clusterId)
        .setMemberId(memberId)
        .setRevision(revision)
        .setRaftTerm(runtime.status().term())
        .build();
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
    if (req.getKey().isEmpty()) {
      out.onError(invalid("etcdserver: key is not provided"));
      return;
    }
    java.util.function.Function<Long, RangeResponse> read =
        ignored -> toProto(kv.store().range(toKv(req)));
    reply(
        req.getSerializable()
            ? CompletableFuture.completedFuture(0L).thenApplyAsync(read, blockingReads)
            : runtime.readIndex().thenApply(read),
        out);
  }

  @Override
  public void put(PutRequest req, StreamObserver<PutResponse> out) {
    if (req.getKey().isEmpty()) {
      out.onError(invalid("etcdserver: key is not provided"));
      return;
    }
    propose(toKv(req), req.getSerializedSize(), out, r -> toProto((Put.Result) r));
  }

  @Override
  public void deleteRange(DeleteRangeRequest req, StreamObserver<DeleteRangeResponse> out) {
    if (req.getKey().isEmpty()) {
      out.onError(invalid("etcdserver: key is not provided"));
      return;
    }
    propose(toKv(req), req.getSerializedSize(), out, r -> toProto((DeleteRange.Result) r));
  }

  @Override
  public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
    Txn txn;
    try {
      txn = toKv(req);
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    propose(txn, req.getSerializedSize(), out, r -> toProto((Txn.Result) r));
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
        timeouts.watch(
            applied(
                new Compact(req.getRevision()),
                r -> CompactionResponse.newBuilder().setHeader(header(r.revision())).build()));
    if (req.getPhysical()) {
      f =
          f.thenApplyAsync(
              done -> {
                kv.store().awaitCompaction(req.getRevision(), java.time.Duration.ofMinutes(10));
                return done;
              },
              blockingReads);
    }
    answer(f, out);
  }

  private interface Convert<T> {
    T apply(Response r);
  }

  private <T> void propose(Op op, int size, StreamObserver<T> out, Convert<T> convert) {
    if (size > MAX_REQUEST_BYTES) {
      out.onError(invalid("etcdserver: request is too large"));
      return;
    }
    reply(applied(op, convert::apply), out);
  }

  /**
   * Proposes {@code op} and completes with {@code convert} of its answer once it is applied on this
   * member; fails with the op's own error, or "request timed out" if its result is gone.
   */
  <T> CompletableFuture<T> applied(Op op, java.util.function.Function<Response, T> convert) {
    return runtime
        .propose(KvCommands.encode(op))
        .thenApply(
            done -> {
              ApplyResult applied = (ApplyResult) done.result();
              if (applied == null || applied.results().isEmpty()) {
                throw new StatusRuntimeException(
                    Status.UNAVAILABLE.withDescription("etcdserver: request timed out"));
              }
              OpResult r = applied.results().get(0);
              if (r.error() != null) {
                throw r.error();
              }
              return convert.apply(r.response());
            });
  }

  /**
   * Answers {@code out} with {@code f}'s value, or with etcd's error for its failure; a future not
   * done within the request timeout fails as "request timed out".
   */
  <T> void reply(CompletableFuture<T> f, StreamObserver<T> out) {
    answer(timeouts.watch(f), out);
  }

  /** Answers {@code out} with {@code f}'s value, or with etcd's error for its failure. */
  private static <T> void answer(CompletableFuture<T> f, StreamObserver<T> out) {
    f.whenComplete(
        (v, e) -> {
          if (e == null) {
            out.onNext(v);
            out.onCompleted();
          } else {
            out.onError(toStatus(e));
          }
        });
  }

  /** etcd's gRPC errors for what can go wrong between a request and its answer. */
  static StatusRuntimeException toStatus(Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (c instanceof StatusRuntimeException s) {
      return s;
    }
    if (c instanceof KvException k) {
      return Status.fromCode(Status.Code.valueOf(k.code().grpcStatus()))
          .withDescription(
              k.code() == KvException.Code.COMPACTED || k.code() == KvException.Code.FUTURE_REV
                  ? "etcdserver: " + k.code().message()
                  : k.code().message())
          .asRuntimeException();
    }
    if (c instanceof ProposalRejectedException p) {
      return switch (p.reason()) {
        case NO_LEADER ->
            Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException();
        case LEADERSHIP_TRANSFER ->
            Status.UNAVAILABLE.withDescription("etcdserver: leader changed").asRuntimeException();
        default ->
            Status.FAILED_PRECONDITION
                .withDescription("etcdserver: " + p.getMessage())
                .asRuntimeException();
      };
    }
    if (c instanceof TimeoutException) {
      return Status.UNAVAILABLE
          .withDescription("etcdserver: request timed out")
          .asRuntimeException();
    }
    return Status.UNAVAILABLE.withDescription("etcdserver: " + c.getMessage()).asRuntimeException();
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  // ---------------------------------------------------------------------------------------------
  // Conversions between the wire messages and the store's records

  private static byte[] bytesOrNull(ByteString b) {
    return b.isEmpty() ? null : b.toByteArray();
  }

  static Range toKv(RangeRequest r) {
    return new Range(
        r.getKey().toByteArray(),
        bytesOrNull(r.getRangeEnd()),
        r.getLimit(),
        r.getRevision(),
        Range.SortOrder.valueOf(r.getSortOrder().name()),
        Range.SortTarget.valueOf(r.getSortTarget().name()),
        r.getKeysOnly(),
        r.getCountOnly(),
        r.getMinModRevision(),
        r.getMaxModRevision(),
        r.getMinCreateRevision(),
        r.getMaxCreateRevision());
  }

  static Put toKv(PutRequest r) {
    return new Put(
        r.getKey().toByteArray(),
        r.getValue().toByteArray(),
        r.getLease(),
        r.getPrevKv(),
        r.getIgnoreValue(),
        r.getIgnoreLease());
  }

  static DeleteRange toKv(DeleteRangeRequest r) {
    return new DeleteRange(r.getKey().toByteArray(), bytesOrNull(r.getRangeEnd()), r.getPrevKv());
  }

  static Txn toKv(TxnRequest r) {
    List<dev.raftkv.kv.Compare> cmp = new ArrayList<>();
    for (Compare c : r.getCompareList()) {
      long number =
          switch (c.getTarget()) {
            case VERSION -> c.getVersion();
            case CREATE -> c.getCreateRevision();
            case MOD -> c.getModRevision();
            case LEASE -> c.getLease();
            default -> 0;
          };
      cmp.add(
          new dev.raftkv.kv.Compare(
              c.getKey().toByteArray(),
              bytesOrNull(c.getRangeEnd()),
              dev.raftkv.kv.Compare.Target.valueOf(c.getTarget().name()),
              dev.raftkv.kv.Compare.Result.valueOf(c.getResult().name()),
              number,
              c.getValue().toByteArray()));
    }
    return new Txn(cmp, ops(r.getSuccessList()), ops(r.getFailureList()));
  }

  private static List<dev.raftkv.kv.RequestOp> ops(List<RequestOp> ops) {
    List<dev.raftkv.kv.RequestOp> out = new ArrayList<>();
    for (RequestOp op : ops) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> out.add(toKv(op.getRequestRange()));
        case REQUEST_PUT -> out.add(toKv(op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> out.add(toKv(op.getRequestDeleteRange()));
        case REQUEST_TXN -> out.add(toKv(op.getRequestTxn()));
        default -> throw invalid("etcdserver: key not found"); // etcd's answer to an empty op
      }
    }
    return out;
  }

  static KeyValue toProto(dev.raftkv.kv.KeyValue kv) {
    return KeyValue.newBuilder()
        .setKey(ByteString.copyFrom(kv.key()))
        .setCreateRevision(kv.createRevision())
        .setModRevision(kv.modRevision())
        .setVersion(kv.version())
        .setValue(ByteString.copyFrom(kv.value()))
        .setLease(kv.lease())
        .build();
  }

  RangeResponse toProto(Range.Result r) {
    return toProto(r, header(r.revision()));
  }

  PutResponse toProto(Put.Result r) {
    return toProto(r, header(r.revision()));
  }

  DeleteRangeResponse toProto(DeleteRange.Result r) {
    return toProto(r, header(r.revision()));
  }

  /**
   * The txn's response; the responses of its operations carry a header with only the revision set
   * (no cluster or member id, no raft term), as etcd's do.
   */
  TxnResponse toProto(Txn.Result r) {
    return toProto(r, header(r.revision()));
  }

  private static ResponseHeader nestedHeader(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  private static RangeResponse toProto(Range.Result r, ResponseHeader h) {
    RangeResponse.Builder b =
        RangeResponse.newBuilder().setHeader(h).setMore(r.more()).setCount(r.count());
    r.kvs().forEach(kv -> b.addKvs(toProto(kv)));
    return b.build();
  }

  private static PutResponse toProto(Put.Result r, ResponseHeader h) {
    PutResponse.Builder b = PutResponse.newBuilder().setHeader(h);
    if (r.prevKv() != null) {
      b.setPrevKv(toProto(r.prevKv()));
    }
    return b.build();
  }

  private static DeleteRangeResponse toProto(DeleteRange.Result r, ResponseHeader h) {
    DeleteRangeResponse.Builder b =
        DeleteRangeResponse.newBuilder().setHeader(h).setDeleted(r.deleted());
    r.prevKvs().forEach(kv -> b.addPrevKvs(toProto(kv)));
    return b.build();
  }

  private static TxnResponse toProto(Txn.Result r, ResponseHeader h) {
    TxnResponse.Builder b = TxnResponse.newBuilder().setHeader(h).setSucceeded(r.succeeded());
    for (Response sub : r.responses()) {
      ResponseOp.Builder op = ResponseOp.newBuilder();
      if (sub instanceof Range.Result x) {
        op.setResponseRange(toProto(x, nestedHeader(x.revision())));
      } else if (sub instanceof Put.Result x) {
        op.setResponsePut(toProto(x, nestedHeader(x.revision())));
      } else if (sub instanceof DeleteRange.Result x) {
        op.setResponseDeleteRange(toProto(x, nestedHeader(x.revision())));
      } else if (sub instanceof Txn.Result x) {
        op.setResponseTxn(toProto(x, nestedHeader(x.revision())));
      }
      b.addResponses(op);
    }
    return b.build();
  }
}

package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.kv.ApplyResult;
import dev.raftkv.kv.KvCommands;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.OpResult;
import dev.raftkv.kv.Response;
import dev.raftkv.runtime.RaftRuntime;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The server core behind every etcd service (etcd's {@code EtcdServer}): it proposes a command and
 * gives its result, passes a linearizable read barrier, builds the response header, bounds a
 * request's time and size, and answers a call with a result or etcd's error ({@link EtcdError}).
 * The services take this core, never each other.
 *
 * <p>Nothing here blocks: results complete on the thread that produced them (the apply thread for
 * proposals, the node loop or the apply thread for read barriers), and a call not answered within
 * the request timeout fails as "request timed out" ({@link RequestTimeouts}, swept on the tick).
 */
final class KvServer {
  /** etcd's default maximum request size (1.5 MiB). */
  static final int MAX_REQUEST_BYTES = 3 * 512 * 1024;

  private final RaftRuntime runtime;
  private final KvStateMachine kv;
  private final long clusterId;
  private final long memberId;
  private final RequestTimeouts timeouts;
  private final Executor blockingReads;
  private final Authorizer auth;
  private final SpaceQuota quota;

  /**
   * A server core without a space quota (tests; a server passes its quota to the other
   * constructor).
   *
   * @param timeouts fails the calls not answered within the request timeout
   * @param blockingReads runs what reads RocksDB at once or waits (serializable ranges, a physical
   *     compaction's wait), which must not hold up the event loop the handlers run on
   * @param auth who calls are from, and the checks made before proposing or reading
   */
  KvServer(
      RaftRuntime runtime,
      KvStateMachine kv,
      long clusterId,
      long memberId,
      RequestTimeouts timeouts,
      Executor blockingReads,
      Authorizer auth) {
    this(runtime, kv, clusterId, memberId, timeouts, blockingReads, auth, -1);
  }

  /**
   * @param quotaBytes the space quota ({@code --quota-backend-bytes}; 0: etcd's default, negative:
   *     none)
   */
  KvServer(
      RaftRuntime runtime,
      KvStateMachine kv,
      long clusterId,
      long memberId,
      RequestTimeouts timeouts,
      Executor blockingReads,
      Authorizer auth,
      long quotaBytes) {
    this.quota =
        new SpaceQuota(this, quotaBytes == 0 ? ServerConfig.DEFAULT_QUOTA_BYTES : quotaBytes);
    this.runtime = runtime;
    this.auth = auth;
    this.kv = kv;
    this.clusterId = clusterId;
    this.memberId = memberId;
    this.timeouts = timeouts;
    this.blockingReads = blockingReads;
  }

  /** Who calls are from and what they may do (etcd's auth). */
  Authorizer auth() {
    return auth;
  }

  /**
   * etcd's admin check of the calling client (maintenance, membership, raftkv's admin calls): true
   * when it may go on; otherwise answers {@code out} with etcd's error and returns false. Always
   * true while auth is disabled.
   */
  boolean admitAdmin(StreamObserver<?> out) {
    if (!auth.enabled()) {
      return true;
    }
    try {
      auth.requireAdmin(auth.caller());
      return true;
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return false;
    }
  }

  /** The space quota writes are checked against before they are proposed. */
  SpaceQuota quota() {
    return quota;
  }

  RaftRuntime runtime() {
    return runtime;
  }

  KvStateMachine kv() {
    return kv;
  }

  /** The store as it is now (it may be replaced by a snapshot restore; do not keep it). */
  KvStore store() {
    return kv.store();
  }

  long memberId() {
    return memberId;
  }

  /** Where blocking reads and waits run, off the event loops. */
  Executor blockingReads() {
    return blockingReads;
  }

  /** etcd's response header at {@code revision}, with this member's ids and current term. */
  ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(clusterId)
        .setMemberId(memberId)
        .setRevision(revision)
        .setRaftTerm(runtime.status().term())
        .build();
  }

  /** The header at the store's current revision. */
  ResponseHeader header() {
    return header(kv.store().revision());
  }

  /**
   * Proposes {@code op}, with the calling client's credentials while auth is enabled (checked at
   * apply; an invalid token fails at once), and completes with {@code convert} of its answer once
   * it is applied on this member; fails with the op's own error, with the node's refusal, or
   * "request timed out" if its result is gone. No timeout of its own: see {@link #reply}.
   */
  <T> CompletableFuture<T> apply(Op op, Function<Response, T> convert) {
    if (!auth.enabled()) {
      return apply(op, null, convert);
    }
    return auth.callerAfter(this::readBarrier).thenCompose(caller -> apply(op, caller, convert));
  }

  /**
   * {@link #apply(Op, Function)} with the credentials of {@code caller} (null: none), for a
   * proposal made away from the call's own thread.
   */
  <T> CompletableFuture<T> apply(Op op, AuthInfo caller, Function<Response, T> convert) {
    return runtime
        .propose(KvCommands.encode(Authorizer.withCredentials(op, caller)))
        .thenApply(
            done -> {
              ApplyResult applied = (ApplyResult) done.result();
              if (applied == null || applied.results().isEmpty()) {
                throw EtcdError.REQUEST_TIMED_OUT.exception();
              }
              OpResult r = applied.results().get(0);
              if (r.error() != null) {
                throw r.error();
              }
              return convert.apply(r.response());
            });
  }

  /**
   * A linearizable read barrier (ReadIndex): completes once leadership was confirmed and this
   * member applied everything acknowledged before the call.
   */
  CompletableFuture<Long> readBarrier() {
    return runtime.readIndex();
  }

  /** {@code f}, failed with "request timed out" if not done within the request timeout. */
  <T> CompletableFuture<T> withTimeout(CompletableFuture<T> f) {
    return timeouts.watch(f);
  }

  /** Answers {@code out} with {@code f}'s value within the request timeout, or etcd's error. */
  <T> void reply(CompletableFuture<T> f, StreamObserver<T> out) {
    answer(timeouts.watch(f), out);
  }

  /**
   * Answers {@code out} with {@code f}'s value, or with etcd's error for its failure; no timeout.
   */
  static <T> void answer(CompletableFuture<T> f, StreamObserver<T> out) {
    answer(f, out, () -> false);
  }

  /**
   * {@link #answer(CompletableFuture, StreamObserver)} for a call that waits as long as it must
   * (Lock, Campaign): nothing is sent once the client cancelled it.
   */
  static <T> void answerUnlessCancelled(
      CompletableFuture<T> f, io.grpc.stub.ServerCallStreamObserver<T> out) {
    answer(f, out, out::isCancelled);
  }

  private static <T> void answer(
      CompletableFuture<T> f, StreamObserver<T> out, java.util.function.BooleanSupplier cancelled) {
    f.whenComplete(
        (v, e) -> {
          if (cancelled.getAsBoolean()) {
            return;
          }
          if (e == null) {
            out.onNext(v);
            out.onCompleted();
          } else {
            out.onError(EtcdError.toStatus(e));
          }
        });
  }
}

package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.AlarmRequest;
import dev.raftkv.api.etcdserverpb.AlarmResponse;
import dev.raftkv.api.etcdserverpb.DefragmentRequest;
import dev.raftkv.api.etcdserverpb.DefragmentResponse;
import dev.raftkv.api.etcdserverpb.HashKVRequest;
import dev.raftkv.api.etcdserverpb.HashKVResponse;
import dev.raftkv.api.etcdserverpb.HashRequest;
import dev.raftkv.api.etcdserverpb.HashResponse;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.MoveLeaderRequest;
import dev.raftkv.api.etcdserverpb.MoveLeaderResponse;
import dev.raftkv.api.etcdserverpb.StatusRequest;
import dev.raftkv.api.etcdserverpb.StatusResponse;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import io.grpc.stub.StreamObserver;

/**
 * etcd's {@code Maintenance} service: {@code Status} (what {@code etcdctl endpoint status} shows).
 * The other calls answer UNIMPLEMENTED for now.
 */
final class EtcdMaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  /** The etcd API version raftkv speaks (etcdctl checks the major and minor). */
  static final String VERSION = "3.5.0";

  private final RaftRuntime runtime;
  private final KvStateMachine kv;
  private final EtcdKvService kvService;

  EtcdMaintenanceService(RaftRuntime runtime, KvStateMachine kv, EtcdKvService kvService) {
    this.runtime = runtime;
    this.kv = kv;
    this.kvService = kvService;
  }

  @Override
  public void hashKV(HashKVRequest req, StreamObserver<HashKVResponse> out) {
    try {
      long rev = req.getRevision() == 0 ? kv.store().revision() : req.getRevision();
      out.onNext(
          HashKVResponse.newBuilder()
              .setHeader(kvService.header(kv.store().revision()))
              .setHash((int) kv.store().hashKV(rev))
              .setCompactRevision(kv.store().compactedRevision())
              .setHashRevision(rev)
              .build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(EtcdKvService.toStatus(e));
    }
  }

  @Override
  public void hash(HashRequest req, StreamObserver<HashResponse> out) {
    out.onNext(
        HashResponse.newBuilder()
            .setHeader(kvService.header(kv.store().revision()))
            .setHash((int) kv.store().hash())
            .build());
    out.onCompleted();
  }

  @Override
  public void alarm(AlarmRequest req, StreamObserver<AlarmResponse> out) {
    out.onNext(
        AlarmResponse.newBuilder().setHeader(kvService.header(kv.store().revision())).build());
    out.onCompleted();
  }

  @Override
  public void defragment(DefragmentRequest req, StreamObserver<DefragmentResponse> out) {
    out.onNext(
        DefragmentResponse.newBuilder().setHeader(kvService.header(kv.store().revision())).build());
    out.onCompleted();
  }

  /** etcd's move-leader: only the leader can hand over; the answer comes once the target leads. */
  @Override
  public void moveLeader(MoveLeaderRequest req, StreamObserver<MoveLeaderResponse> out) {
    long target = req.getTargetID();
    if (runtime.status().role() != dev.raftkv.raft.Role.LEADER) {
      out.onError(
          io.grpc.Status.FAILED_PRECONDITION
              .withDescription("etcdserver: not leader")
              .asRuntimeException());
      return;
    }
    runtime
        .transferLeadership(target)
        .thenCompose(
            ignored ->
                java.util.concurrent.CompletableFuture.runAsync(
                    () -> {
                      long deadline =
                          System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
                      while (runtime.status().leader() != target && System.nanoTime() < deadline) {
                        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                      }
                      if (runtime.status().leader() != target) {
                        throw new java.util.concurrent.CompletionException(
                            io.grpc.Status.UNAVAILABLE
                                .withDescription(
                                    "etcdserver: request timed out, leader transfer took too long")
                                .asRuntimeException());
                      }
                    }))
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                out.onError(EtcdKvService.toStatus(e));
              } else {
                out.onNext(
                    MoveLeaderResponse.newBuilder()
                        .setHeader(kvService.header(kv.store().revision()))
                        .build());
                out.onCompleted();
              }
            });
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
    Status s = runtime.status();
    StatusResponse.Builder b =
        StatusResponse.newBuilder()
            .setHeader(kvService.header(kv.store().revision()))
            .setVersion(VERSION)
            .setLeader(s.leader())
            .setRaftIndex(s.commit())
            .setRaftTerm(s.term())
            .setRaftAppliedIndex(runtime.appliedIndex())
            .setDbSize(kv.store().dbSize())
            .setIsLearner(s.conf().learners().contains(s.id()));
    if (s.leader() == 0) {
      b.addErrors("etcdserver: no leader");
    }
    out.onNext(b.build());
    out.onCompleted();
  }
}

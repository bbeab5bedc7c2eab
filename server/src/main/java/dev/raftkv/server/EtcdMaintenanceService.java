package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
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
            .setIsLearner(s.conf().learners().contains(s.id()));
    if (s.leader() == 0) {
      b.addErrors("etcdserver: no leader");
    }
    out.onNext(b.build());
    out.onCompleted();
  }
}

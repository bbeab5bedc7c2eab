package dev.raftkv.server;

import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.AttachRequest;
import dev.raftkv.api.raftkvpb.DetachRequest;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.api.raftkvpb.MemberStatusRequest;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.transport.Transport;
import io.grpc.stub.StreamObserver;
import java.util.Locale;

/** raftkv's own {@code raftkvpb.Admin} service: detach, attach, status. */
final class RaftkvAdminService extends AdminGrpc.AdminImplBase {
  private final String name;
  private final RaftRuntime runtime;
  private final Transport transport;

  RaftkvAdminService(String name, RaftRuntime runtime, Transport transport) {
    this.name = name;
    this.runtime = runtime;
    this.transport = transport;
  }

  MemberStatus status() {
    Status s = runtime.status();
    return MemberStatus.newBuilder()
        .setName(name)
        .setId(s.id())
        .setRole(s.role().name().toLowerCase(Locale.ROOT))
        .setTerm(s.term())
        .setLeader(s.leader())
        .setCommit(s.commit())
        .setApplied(runtime.appliedIndex())
        .setDetached(transport.isDetached())
        .build();
  }

  @Override
  public void detach(DetachRequest req, StreamObserver<MemberStatus> out) {
    transport.detach();
    out.onNext(status());
    out.onCompleted();
  }

  @Override
  public void attach(AttachRequest req, StreamObserver<MemberStatus> out) {
    transport.attach();
    out.onNext(status());
    out.onCompleted();
  }

  @Override
  public void status(MemberStatusRequest req, StreamObserver<MemberStatus> out) {
    out.onNext(status());
    out.onCompleted();
  }
}

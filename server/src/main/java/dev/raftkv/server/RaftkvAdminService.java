package dev.raftkv.server;

import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.AttachRequest;
import dev.raftkv.api.raftkvpb.BlockRequest;
import dev.raftkv.api.raftkvpb.DetachRequest;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.api.raftkvpb.MemberStatusRequest;
import dev.raftkv.api.raftkvpb.UnblockRequest;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.transport.TcpTransport;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * raftkv's own {@code raftkvpb.Admin} service: detach, attach, block, unblock, status. The changes
 * obey {@link AdminAccess} (loopback or a verified client certificate while auth is disabled, the
 * root user once it is enabled); status stays open. Serve it behind {@link
 * AdminAccess#interceptor()}, which takes each call's remote address and client certificate.
 */
final class RaftkvAdminService extends AdminGrpc.AdminImplBase {
  private final String name;
  private final RaftRuntime runtime;
  private final TcpTransport transport;
  private final AdminAccess access;

  RaftkvAdminService(String name, RaftRuntime runtime, TcpTransport transport, AdminAccess access) {
    this.access = access;
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
        .addAllBlocked(transport.blocked().stream().sorted().toList())
        .build();
  }

  @Override
  public void detach(DetachRequest req, StreamObserver<MemberStatus> out) {
    if (!admitted(out)) {
      return;
    }
    transport.detach();
    out.onNext(status());
    out.onCompleted();
  }

  @Override
  public void attach(AttachRequest req, StreamObserver<MemberStatus> out) {
    if (!admitted(out)) {
      return;
    }
    transport.attach();
    out.onNext(status());
    out.onCompleted();
  }

  @Override
  public void block(BlockRequest req, StreamObserver<MemberStatus> out) {
    if (!admitted(out)) {
      return;
    }
    Set<Long> now = new HashSet<>(transport.blocked());
    now.addAll(req.getPeersList());
    transport.setBlocked(now);
    out.onNext(status());
    out.onCompleted();
  }

  @Override
  public void unblock(UnblockRequest req, StreamObserver<MemberStatus> out) {
    if (!admitted(out)) {
      return;
    }
    Set<Long> now = new HashSet<>(transport.blocked());
    if (req.getPeersCount() == 0) {
      now.clear();
    } else {
      now.removeAll(req.getPeersList());
    }
    transport.setBlocked(now);
    out.onNext(status());
    out.onCompleted();
  }

  /** Whether the caller may change the member ({@link AdminAccess}); else answers {@code out}. */
  private boolean admitted(StreamObserver<MemberStatus> out) {
    try {
      access.checkGrpcCall();
      return true;
    } catch (io.grpc.StatusRuntimeException e) {
      out.onError(e);
      return false;
    }
  }

  @Override
  public void status(MemberStatusRequest req, StreamObserver<MemberStatus> out) {
    out.onNext(status());
    out.onCompleted();
  }
}

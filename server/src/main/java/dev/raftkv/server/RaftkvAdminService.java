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
 * raftkv's own {@code raftkvpb.Admin} service: detach, attach, block, unblock, status. Once auth is
 * enabled the changes need the root role ({@link Authorizer#requireRoot}); status stays open.
 */
final class RaftkvAdminService extends AdminGrpc.AdminImplBase {
  private final String name;
  private final RaftRuntime runtime;
  private final TcpTransport transport;
  private final Authorizer auth;

  RaftkvAdminService(String name, RaftRuntime runtime, TcpTransport transport, Authorizer auth) {
    this.auth = auth;
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

  /**
   * Whether the caller may change the member (root once auth is enabled: a token or a client
   * certificate's CN); else answers {@code out} with etcd's error.
   */
  private boolean admitted(StreamObserver<MemberStatus> out) {
    AuthInterceptor.Credentials c = AuthInterceptor.CREDENTIALS.get();
    try {
      auth.requireRoot(c == null ? null : c.token(), c == null ? null : c.commonName());
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

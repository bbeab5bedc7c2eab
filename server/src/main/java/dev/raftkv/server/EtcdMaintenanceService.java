package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.AlarmMember;
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
import dev.raftkv.api.etcdserverpb.SnapshotRequest;
import dev.raftkv.api.etcdserverpb.SnapshotResponse;
import dev.raftkv.api.etcdserverpb.StatusRequest;
import dev.raftkv.api.etcdserverpb.StatusResponse;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.LeaderTransferException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;

/**
 * etcd's {@code Maintenance} service: {@code Status} (what {@code etcdctl endpoint status} shows),
 * {@code Hash}, {@code HashKV}, {@code Alarm} (through the log), {@code Defragment} (nothing to
 * do), {@code MoveLeader} and {@code Snapshot}. {@code Downgrade} answers UNIMPLEMENTED.
 */
final class EtcdMaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final System.Logger LOG = System.getLogger(EtcdMaintenanceService.class.getName());

  /** The etcd API version raftkv speaks (etcdctl checks the major and minor). */
  static final String VERSION = RaftkvServer.ETCD_VERSION;

  private final KvServer server;
  private final Path snapshotScratch;

  /**
   * @param snapshotScratch where {@code Snapshot} calls make their checkpoint directories (on the
   *     same file system as the store; emptied at start)
   */
  EtcdMaintenanceService(KvServer server, Path snapshotScratch) {
    this.server = server;
    this.snapshotScratch = snapshotScratch;
  }

  /**
   * etcd's snapshot stream: a RocksDB checkpoint of this member's store as a tar archive, then its
   * SHA-256 (see {@link SnapshotStream}). {@code etcdctl snapshot save} accepts it; it is not a
   * bbolt file, so {@code etcdctl snapshot status/restore} cannot read it.
   */
  @Override
  public void snapshot(SnapshotRequest req, StreamObserver<SnapshotResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled (etcd's authMaintenanceServer)
    }
    SnapshotStream.start(server.store(), snapshotScratch, server.header(), out);
  }

  @Override
  public void hashKV(HashKVRequest req, StreamObserver<HashKVResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled (etcd's authMaintenanceServer)
    }
    try {
      long rev = req.getRevision() == 0 ? server.store().revision() : req.getRevision();
      out.onNext(
          HashKVResponse.newBuilder()
              .setHeader(server.header())
              .setHash((int) server.store().hashKV(rev))
              .setCompactRevision(server.store().compactedRevision())
              .setHashRevision(rev)
              .build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(EtcdError.toStatus(e));
    }
  }

  @Override
  public void hash(HashRequest req, StreamObserver<HashResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled (etcd's authMaintenanceServer)
    }
    out.onNext(
        HashResponse.newBuilder()
            .setHeader(server.header())
            .setHash((int) server.store().hash())
            .build());
    out.onCompleted();
  }

  /**
   * etcd's alarm call: GET, ACTIVATE and DEACTIVATE all go through the log (as etcd 3.4's), so a
   * GET answers the alarms as of a linearizable point. Needs no permission (as etcd's). The
   * response has no header, as etcd 3.4's.
   */
  @Override
  public void alarm(AlarmRequest req, StreamObserver<AlarmResponse> out) {
    dev.raftkv.kv.AlarmRequest.Action action =
        switch (req.getAction()) {
          case GET -> dev.raftkv.kv.AlarmRequest.Action.GET;
          case ACTIVATE -> dev.raftkv.kv.AlarmRequest.Action.ACTIVATE;
          case DEACTIVATE -> dev.raftkv.kv.AlarmRequest.Action.DEACTIVATE;
          default -> null;
        };
    if (action == null) {
      // etcd's applier answers an unknown action with nothing: an empty response
      out.onNext(AlarmResponse.getDefaultInstance());
      out.onCompleted();
      return;
    }
    dev.raftkv.kv.AlarmType type;
    try {
      type = dev.raftkv.kv.AlarmType.ofCode(req.getAlarmValue());
    } catch (IllegalArgumentException e) {
      out.onError(
          io.grpc.Status.INVALID_ARGUMENT
              .withDescription("etcdserver: " + e.getMessage())
              .asRuntimeException());
      return;
    }
    server.reply(
        server.apply(
            new dev.raftkv.kv.AlarmRequest(action, req.getMemberID(), type),
            null,
            r -> {
              // no header: etcd 3.4's alarm responses carry none
              AlarmResponse.Builder b = AlarmResponse.newBuilder();
              for (dev.raftkv.kv.AlarmMember a : ((dev.raftkv.kv.AlarmRequest.Result) r).alarms()) {
                b.addAlarms(toProto(a));
              }
              return b.build();
            }),
        out);
  }

  private static AlarmMember toProto(dev.raftkv.kv.AlarmMember a) {
    return AlarmMember.newBuilder()
        .setMemberID(a.memberId())
        .setAlarmValue(a.type().code())
        .build();
  }

  @Override
  public void defragment(DefragmentRequest req, StreamObserver<DefragmentResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled (etcd's authMaintenanceServer)
    }
    out.onNext(DefragmentResponse.getDefaultInstance()); // etcd 3.4's carries no header
    out.onCompleted();
  }

  /** etcd's move-leader: only the leader can hand over; the answer comes once the target leads. */
  @Override
  public void moveLeader(MoveLeaderRequest req, StreamObserver<MoveLeaderResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled (etcd's authMaintenanceServer)
    }
    long target = req.getTargetID();
    Status s = server.runtime().status();
    if (s.role() != dev.raftkv.raft.Role.LEADER) {
      out.onError(EtcdError.NOT_LEADER.exception());
      return;
    }
    if (!s.conf().voters().contains(target)) {
      // etcd's answer for an id that is not a voting member (unknown, or a learner)
      out.onError(EtcdError.BAD_LEADER_TRANSFEREE.exception());
      return;
    }
    server.reply(
        server
            .runtime()
            .transferLeadership(target)
            .handle(
                (v, e) -> {
                  if (e != null) {
                    Throwable c = e instanceof CompletionException ? e.getCause() : e;
                    throw new CompletionException(
                        c instanceof LeaderTransferException
                            ? EtcdError.LEADER_TRANSFER_TIMED_OUT.exception()
                            : c);
                  }
                  return MoveLeaderResponse.newBuilder().setHeader(server.header()).build();
                }),
        out);
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
    StatusResponse r;
    try {
      r = statusNow();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "status failed", e);
      out.onError(EtcdError.toStatus(e));
      return;
    }
    out.onNext(r);
    out.onCompleted();
  }

  private StatusResponse statusNow() {
    Status s = server.runtime().status();
    StatusResponse.Builder b =
        StatusResponse.newBuilder()
            .setHeader(server.header())
            .setVersion(VERSION)
            .setLeader(s.leader())
            .setRaftIndex(s.commit())
            .setRaftTerm(s.term())
            .setRaftAppliedIndex(server.runtime().appliedIndex())
            .setDbSize(server.store().dbSize())
            .setDbSizeInUse(server.store().dbSizeInUse())
            .setIsLearner(s.conf().learners().contains(s.id()));
    if (s.leader() == 0) {
      b.addErrors(EtcdError.NO_LEADER.message());
    }
    for (dev.raftkv.kv.AlarmMember a : server.store().alarms()) {
      // etcd lists each raised alarm in the status errors as the AlarmMember's text form
      b.addErrors(
          "memberID:" + Long.toUnsignedString(a.memberId()) + " alarm:" + a.type().name() + " ");
    }
    return b.build();
  }
}

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
 * {@code Hash}, {@code HashKV}, {@code Alarm} (never any alarm), {@code Defragment} (nothing to
 * do), {@code MoveLeader} and {@code Snapshot}. {@code Downgrade} answers UNIMPLEMENTED.
 */
final class EtcdMaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final System.Logger LOG = System.getLogger(EtcdMaintenanceService.class.getName());

  /** The etcd API version raftkv speaks (etcdctl checks the major and minor). */
  static final String VERSION = "3.5.0";

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

  @Override
  public void alarm(AlarmRequest req, StreamObserver<AlarmResponse> out) {
    out.onNext(AlarmResponse.newBuilder().setHeader(server.header()).build());
    out.onCompleted();
  }

  @Override
  public void defragment(DefragmentRequest req, StreamObserver<DefragmentResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled (etcd's authMaintenanceServer)
    }
    out.onNext(DefragmentResponse.newBuilder().setHeader(server.header()).build());
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
    return b.build();
  }
}

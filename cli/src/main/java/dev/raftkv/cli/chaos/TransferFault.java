package dev.raftkv.cli.chaos;

import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.MoveLeaderRequest;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** Asks the leader to hand leadership to another member (etcd {@code Maintenance.MoveLeader}). */
final class TransferFault implements Fault {
  private final MemberChannels channels;
  private final LocalCluster cluster;
  private final int leader;
  private final int target;

  /**
   * @param leader the member believed to lead (0: none known, the fault does nothing)
   */
  TransferFault(LocalCluster cluster, MemberChannels channels, int leader, int target) {
    this.cluster = cluster;
    this.channels = channels;
    this.leader = leader;
    this.target = target;
  }

  @Override
  public String inject() {
    if (leader == 0) {
      return "transfer leadership: no leader known, nothing done";
    }
    try {
      MaintenanceGrpc.newBlockingStub(channels.get(leader))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(cluster.memberId(target)).build());
      return "transfer leadership " + leader + " -> " + target;
    } catch (StatusRuntimeException e) {
      return "transfer leadership " + leader + " -> " + target + " failed: " + e.getStatus();
    }
  }

  @Override
  public void heal() {
    // Nothing to undo: the cluster simply has another leader.
  }
}

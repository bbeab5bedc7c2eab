package dev.raftkv.cli.chaos;

import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.MemberAddRequest;
import dev.raftkv.api.etcdserverpb.MemberAddResponse;
import dev.raftkv.api.etcdserverpb.MemberRemoveRequest;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Removes a member from the cluster and adds it back, through etcd's {@code Cluster.MemberRemove}
 * and {@code Cluster.MemberAdd} sent to another member: the removed member stops itself; on heal
 * its data dir is wiped, it is added back as a new member (a new id) and started with {@code
 * --initial-cluster-state existing}, exactly as an operator would.
 */
final class MembershipFault implements Fault {
  /** How long a membership call may take, retried while the cluster answers "unhealthy". */
  private static final long CALL_MS = 20_000;

  private final LocalCluster cluster;
  private final MemberChannels channels;
  private final int member;
  private final int via;
  private boolean removed;

  /**
   * @param member the member to remove and add back
   * @param via the member the calls are sent to (not {@code member})
   */
  MembershipFault(LocalCluster cluster, MemberChannels channels, int member, int via) {
    if (member == via) {
      throw new IllegalArgumentException("calls must go through another member than " + member);
    }
    this.cluster = cluster;
    this.channels = channels;
    this.member = member;
    this.via = via;
  }

  @Override
  public String inject() throws Exception {
    long id = cluster.memberId(member);
    StatusRuntimeException last = null;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_MS);
    while (System.nanoTime() < deadline) {
      try {
        ClusterGrpc.newBlockingStub(channels.get(via))
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .memberRemove(MemberRemoveRequest.newBuilder().setID(id).build());
        removed = true;
        break;
      } catch (StatusRuntimeException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    if (!removed) {
      return "remove member " + member + " via " + via + " failed: " + last.getStatus();
    }
    // A removed member learns it and stops itself; one that does not is stopped for it.
    boolean stoppedItself = cluster.awaitExit(member, 15_000);
    if (!stoppedItself) {
      cluster.kill(member);
    }
    return "remove member "
        + member
        + " (id "
        + Long.toHexString(id)
        + ") via "
        + via
        + (stoppedItself ? "; it stopped itself" : "; it did not stop by itself and was killed");
  }

  @Override
  public Set<Integer> cutOff() {
    return removed ? Set.of(member) : Set.of();
  }

  /**
   * Adds the member back as a new member and starts it on a fresh data dir.
   *
   * @throws IllegalStateException if the cluster does not accept the member back in time (the run
   *     reports it as a problem)
   */
  @Override
  public void heal() throws Exception {
    if (!removed) {
      return;
    }
    StatusRuntimeException last = null;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_MS);
    while (System.nanoTime() < deadline) {
      try {
        MemberAddResponse r =
            ClusterGrpc.newBlockingStub(channels.get(via))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .memberAdd(
                    MemberAddRequest.newBuilder().addPeerURLs(cluster.peerUrl(member)).build());
        cluster.addedBack(member, r.getMember().getID());
        cluster.start(member);
        channels.reconnect(member);
        removed = false;
        return;
      } catch (StatusRuntimeException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException(
        "member " + member + " could not be added back via " + via + ": " + last.getStatus());
  }
}

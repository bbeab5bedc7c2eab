package dev.raftkv.cli.chaos;

import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.Member;
import dev.raftkv.api.etcdserverpb.MemberAddRequest;
import dev.raftkv.api.etcdserverpb.MemberListRequest;
import dev.raftkv.api.etcdserverpb.MemberRemoveRequest;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Removes a member from the cluster and adds it back, through etcd's {@code Cluster.MemberRemove}
 * and {@code Cluster.MemberAdd} sent to another member: the removed member stops itself; on heal
 * its data dir is wiped, it is added back as a new member (a new id) and started with {@code
 * --initial-cluster-state existing}, exactly as an operator would.
 *
 * <p>A call whose answer is lost (a deadline, a connection cut) may still have taken effect, so
 * before retrying, the fault looks at the member list: a removal that happened is not repeated, and
 * a member added but not started is started rather than added twice (an added member that never
 * starts would leave the cluster "unhealthy" for every later change, as in etcd).
 */
final class MembershipFault implements Fault {
  /** How long a membership change may take, retried meanwhile. */
  private static final long CALL_MS = 30_000;

  private final LocalCluster cluster;
  private final MemberChannels channels;
  private final int member;
  private final int via;
  private boolean removed;

  /**
   * @param member the member to remove and add back
   * @param via the member the calls go to first (not {@code member}); others are tried when it does
   *     not answer
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
    String outcome = null;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_MS);
    while (!removed && System.nanoTime() < deadline) {
      for (int to : others()) {
        try {
          if (listed(to).stream().noneMatch(m -> m.getID() == id)) {
            removed = true; // an earlier call whose answer was lost did it
          } else {
            ClusterGrpc.newBlockingStub(channels.get(to))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .memberRemove(MemberRemoveRequest.newBuilder().setID(id).build());
            removed = true;
          }
          outcome = "via " + to;
          break;
        } catch (StatusRuntimeException e) {
          outcome = "failed: " + e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
      }
      if (!removed) {
        Thread.sleep(500);
      }
    }
    if (!removed) {
      return "remove member " + member + " " + outcome;
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
        + ") "
        + outcome
        + (stoppedItself ? "; it stopped itself" : "; it did not stop by itself and was killed");
  }

  @Override
  public Set<Integer> cutOff() {
    return removed ? Set.of(member) : Set.of();
  }

  /**
   * Adds the member back as a new member and starts it on a fresh data dir.
   *
   * @throws IllegalStateException if the cluster does not take the member back in time (the run
   *     reports it as a problem)
   */
  @Override
  public void heal() throws Exception {
    if (!removed) {
      return;
    }
    String peerUrl = cluster.peerUrl(member);
    String last = "no other member answered";
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_MS);
    while (System.nanoTime() < deadline) {
      for (int to : others()) {
        try {
          long id =
              listed(to).stream()
                  .filter(m -> m.getPeerURLsList().contains(peerUrl))
                  .mapToLong(Member::getID)
                  .findFirst()
                  .orElse(0);
          if (id == 0) {
            id =
                ClusterGrpc.newBlockingStub(channels.get(to))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(peerUrl).build())
                    .getMember()
                    .getID();
          }
          cluster.addedBack(member, id);
          cluster.start(member);
          channels.reconnect(member);
          removed = false;
          return;
        } catch (StatusRuntimeException e) {
          last =
              "via " + to + ": " + e.getStatus().getCode() + " " + e.getStatus().getDescription();
        }
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("member " + member + " could not be added back (" + last + ")");
  }

  /** The running members other than this one, {@code via} first. */
  private List<Integer> others() {
    List<Integer> out = new ArrayList<>();
    if (cluster.isRunning(via)) {
      out.add(via);
    }
    for (int i : cluster.members()) {
      if (i != member && i != via && cluster.isRunning(i)) {
        out.add(i);
      }
    }
    return out;
  }

  private List<Member> listed(int to) {
    return ClusterGrpc.newBlockingStub(channels.get(to))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .memberList(MemberListRequest.newBuilder().setLinearizable(true).build())
        .getMembersList();
  }
}

package dev.raftkv.cli.chaos;

/**
 * Extension point for the {@link FaultKind#MEMBERSHIP} fault: removes a member from the cluster and
 * adds it back, through etcd's {@code Cluster.MemberRemove} and {@code Cluster.MemberAdd}. raftkv
 * does not serve those calls yet (another branch is building them), so no implementation exists and
 * the nemesis refuses {@code --faults membership}. An implementation would remove the member, stop
 * its process, wipe its data dir, add it back as a new member and restart it with {@code
 * --initial-cluster-state existing}; the nemesis would call it like any other {@link Fault}.
 */
interface MembershipChanger {
  /** Removes {@code member} from the cluster; returns what was done. */
  String remove(int member) throws Exception;

  /** Adds {@code member} back (as a fresh member) and starts it. */
  void addBack(int member) throws Exception;
}

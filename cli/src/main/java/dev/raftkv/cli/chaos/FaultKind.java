package dev.raftkv.cli.chaos;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The faults the {@link Nemesis} injects; each is healed before the next one starts. */
public enum FaultKind {
  /** SIGKILL a random member, restart it on the same data when healed. */
  KILL,
  /** SIGKILL the leader, restart it when healed. */
  KILL_LEADER,
  /** SIGSTOP a random member, SIGCONT it when healed. */
  PAUSE,
  /** SIGSTOP the leader, SIGCONT it when healed. */
  PAUSE_LEADER,
  /** Block lists cut one random member off from all others (clients still reach it). */
  ISOLATE,
  /** Block lists cut the leader off from all others. */
  ISOLATE_LEADER,
  /** Block lists split the members into a random majority and minority. */
  SPLIT,
  /** Two sides of two members each and one bridge member that talks to both sides. */
  BRIDGE,
  /** Members in a random ring, each talking only to its two neighbours. */
  RING,
  /** Leadership transfer (etcd {@code Maintenance.MoveLeader}) to a random other member. */
  TRANSFER_LEADER,
  /**
   * Remove a random member through another one (etcd {@code Cluster.MemberRemove}; it stops itself)
   * and, on heal, add it back as a new member on a fresh data dir ({@code Cluster.MemberAdd}, then
   * a start with {@code --initial-cluster-state existing}): see {@link MembershipFault}.
   */
  MEMBERSHIP;

  /** The name on the command line: lower case with dashes ({@code kill-leader}). */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The kind a command-line name stands for. */
  public static FaultKind parse(String name) {
    for (FaultKind k : values()) {
      if (k.cliName().equals(name.trim())) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "unknown fault '"
            + name
            + "'; known: "
            + String.join(", ", available().stream().map(FaultKind::cliName).toList()));
  }

  /** Every kind the nemesis can inject. */
  public static Set<FaultKind> available() {
    return EnumSet.allOf(FaultKind.class);
  }
}

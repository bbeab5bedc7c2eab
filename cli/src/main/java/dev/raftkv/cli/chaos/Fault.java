package dev.raftkv.cli.chaos;

/** One fault the {@link Nemesis} injects and later heals. */
interface Fault {
  /**
   * Injects the fault; returns what was done, for the run's log (e.g. "kill -9 member 3 (leader)").
   */
  String inject() throws Exception;

  /**
   * Members this fault cuts off from a majority of the cluster (killed, paused, or partitioned into
   * a minority); empty when none. Valid after {@link #inject()}.
   */
  default java.util.Set<Integer> cutOff() {
    return java.util.Set.of();
  }

  /** Undoes the fault as far as it can be undone (restart, SIGCONT, unblock). Idempotent. */
  void heal() throws Exception;
}

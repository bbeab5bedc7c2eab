package dev.raftkv.cli.chaos;

/** SIGKILL-and-restart or SIGSTOP-and-SIGCONT of one member's process. */
final class ProcessFault implements Fault {
  private final LocalCluster cluster;
  private final MemberChannels channels;
  private final int member;
  private final boolean kill;
  private final String why;

  /**
   * @param kill SIGKILL (restart on heal) rather than SIGSTOP (SIGCONT on heal)
   * @param why how the member was chosen, for the log ("random", "leader")
   */
  ProcessFault(
      LocalCluster cluster, MemberChannels channels, int member, boolean kill, String why) {
    this.cluster = cluster;
    this.channels = channels;
    this.member = member;
    this.kill = kill;
    this.why = why;
  }

  @Override
  public String inject() throws Exception {
    if (kill) {
      cluster.kill(member);
      return "kill -9 member " + member + " (" + why + ")";
    }
    cluster.pause(member);
    return "kill -STOP member " + member + " (" + why + ")";
  }

  @Override
  public java.util.Set<Integer> cutOff() {
    return java.util.Set.of(member);
  }

  @Override
  public void heal() throws Exception {
    if (kill) {
      if (!cluster.isRunning(member)) {
        cluster.start(member);
      }
      channels.reconnect(member);
    } else {
      cluster.resume(member);
    }
  }
}

package dev.raftkv.testkit.sim;

import dev.raftkv.raft.RaftConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * One seeded run: a fault phase of random proposals, partitions (one node, minority/majority, ring,
 * bridge, one-way), crashes and restarts, on a network whose loss, duplication and delay are drawn
 * from the seed; then a liveness phase that heals everything and requires a leader and a new
 * committed proposal on every node within a bounded number of election timeouts.
 */
public final class RandomSchedule {
  /** Election timeouts the healed cluster gets to elect a leader, and again to commit. */
  static final int LIVENESS_ELECTION_TIMEOUTS = 10;

  private final long seed;
  private final int size;
  private final int faultTicks;
  private final boolean tracing;
  private Simulation sim;
  private int nemesisActions;

  /**
   * @param seed the seed that determines everything in the run
   * @param size the number of voters
   * @param faultTicks ticks of simulated time in the fault phase
   * @param tracing whether to record a trace of recent events for the failure report
   */
  public RandomSchedule(long seed, int size, int faultTicks, boolean tracing) {
    this.seed = seed;
    this.size = size;
    this.faultTicks = faultTicks;
    this.tracing = tracing;
  }

  /**
   * Runs the schedule.
   *
   * @throws InvariantViolation if a safety or liveness property fails
   */
  public Simulation run() {
    Random r = new Random(seed ^ 0x5DEECE66DL);
    double[] losses = {0, 0, 0.01, 0.05, 0.15};
    double[] dups = {0, 0.02, 0.1};
    int[] maxDelays = {2, 5, 12};
    int[] diskDelays = {1, 3, 8};
    SimNetwork net =
        new SimNetwork(
            losses[r.nextInt(losses.length)],
            dups[r.nextInt(dups.length)],
            1,
            maxDelays[r.nextInt(maxDelays.length)]);
    int[] snapshotEvery = {0, 4, 10, 30};
    int[] chunks = {64, 512, 4096};
    RaftConfig config =
        RaftConfig.defaults(1)
            .withFlowControl(1 + r.nextInt(8), 1 + r.nextInt(4) * 200)
            .withSnapshots(chunks[r.nextInt(chunks.length)], r.nextInt(4))
            .withLeaseRead(r.nextInt(3) == 0, 2);
    sim =
        new Simulation(
            size,
            3,
            seed,
            config,
            net,
            diskDelays[r.nextInt(diskDelays.length)],
            snapshotEvery[r.nextInt(snapshotEvery.length)],
            tracing);
    List<Long> ids = sim.ids();
    Random rnd = sim.random();

    int proposalEvery = 1 + rnd.nextInt(5);
    int nextNemesis = 5 + rnd.nextInt(20);
    int proposalSeq = 0;
    for (int tick = 0; tick < faultTicks; tick++) {
      if (tick % proposalEvery == 0) {
        long at = ids.get(rnd.nextInt(ids.size()));
        sim.propose(at, "p" + proposalSeq++);
      }
      if (rnd.nextInt(3) == 0) {
        sim.read(ids.get(rnd.nextInt(ids.size())));
      }
      if (tick == nextNemesis) {
        nemesis(rnd, ids);
        nextNemesis = tick + 3 + rnd.nextInt(30);
      }
      sim.runTicks(1);
    }
    liveness(ids);
    return sim;
  }

  private void nemesis(Random rnd, List<Long> ids) {
    nemesisActions++;
    long leader = anyLeader(rnd, ids);
    switch (rnd.nextInt(14)) {
      case 0 -> sim.detach(ids.get(rnd.nextInt(ids.size())));
      case 1 -> sim.detach(leader);
      case 2 -> {
        Set<Long> minority = randomSubset(rnd, ids, (ids.size() - 1) / 2);
        Set<Long> majority = new TreeSet<>(ids);
        majority.removeAll(minority);
        sim.split(List.of(minority, majority));
      }
      case 3 -> sim.split(SimNetwork.ring(rnd, ids));
      case 4 -> sim.split(SimNetwork.bridge(rnd, ids));
      case 5 -> sim.blockOneWay(leader, ids.get(rnd.nextInt(ids.size())));
      case 6 -> sim.crash(ids.get(rnd.nextInt(ids.size())));
      case 7 -> sim.crash(leader);
      case 8 -> {
        for (long id : ids) {
          if (!sim.isUp(id) && rnd.nextBoolean()) {
            sim.restart(id);
          }
        }
      }
      case 10 -> sim.transfer(leader, ids.get(rnd.nextInt(ids.size())));
      case 11, 12 -> changeMembership(rnd, ids, leader);
      default -> {
        sim.heal();
        for (long id : ids) {
          sim.restart(id);
        }
      }
    }
  }

  /** Removes a voter (keeping at least two), adds a learner, or promotes one. */
  private void changeMembership(Random rnd, List<Long> ids, long leader) {
    dev.raftkv.raft.Status st = sim.status(leader);
    if (st == null || st.role() != dev.raftkv.raft.Role.LEADER) {
      return;
    }
    List<Long> voters = new ArrayList<>(st.conf().voters());
    List<Long> learners = new ArrayList<>(st.conf().learners());
    // Only ids that never ran join: like etcd's member ids, a member id is never reused, since
    // a wiped node could otherwise vote again in a term its old self voted in.
    List<Long> outside = new ArrayList<>();
    for (long id : ids) {
      if (!st.conf().contains(id) && !sim.everStarted(id)) {
        outside.add(id);
      }
    }
    int choice = rnd.nextInt(3);
    if (choice == 0 && voters.size() > 2) {
      long victim = voters.get(rnd.nextInt(voters.size()));
      sim.changeMembership(
          leader, new dev.raftkv.raft.ConfChange(dev.raftkv.raft.ConfChange.Type.REMOVE, victim));
    } else if (choice == 1 && !learners.isEmpty()) {
      long l = learners.get(rnd.nextInt(learners.size()));
      sim.changeMembership(
          leader, new dev.raftkv.raft.ConfChange(dev.raftkv.raft.ConfChange.Type.ADD_VOTER, l));
    } else if (!outside.isEmpty()) {
      long n = outside.get(rnd.nextInt(outside.size()));
      sim.changeMembership(
          leader, new dev.raftkv.raft.ConfChange(dev.raftkv.raft.ConfChange.Type.ADD_LEARNER, n));
    }
  }

  private long anyLeader(Random rnd, List<Long> ids) {
    Map<Long, Long> leaders = sim.leaders();
    if (leaders.isEmpty()) {
      return ids.get(rnd.nextInt(ids.size()));
    }
    return leaders.keySet().iterator().next();
  }

  private static Set<Long> randomSubset(Random rnd, List<Long> ids, int count) {
    List<Long> shuffled = new ArrayList<>(ids);
    java.util.Collections.shuffle(shuffled, rnd);
    return new TreeSet<>(shuffled.subList(0, count));
  }

  private void liveness(List<Long> ids) {
    sim.heal();
    sim.setLoss(0, 0.02);
    for (long id : ids) {
      sim.restart(id);
    }
    int budget = LIVENESS_ELECTION_TIMEOUTS * RaftConfig.defaults(1).electionTickMax();
    int waited = 0;
    while (sim.agreedLeader() == 0) {
      if (waited++ > budget) {
        throw new InvariantViolation(
            "Liveness",
            "no leader agreed by a majority within "
                + LIVENESS_ELECTION_TIMEOUTS
                + " election timeouts after healing\n"
                + sim.describeState());
      }
      sim.runTicks(1);
    }
    String marker = "final-" + seed;
    waited = 0;
    while (!sim.appliedEverywhere(marker)) {
      if (waited % 5 == 0) {
        long leader = sim.agreedLeader();
        if (leader != 0) {
          sim.propose(leader, marker);
        }
      }
      if (waited++ > budget) {
        throw new InvariantViolation(
            "Liveness",
            "a proposal made after healing was not applied on every node within "
                + LIVENESS_ELECTION_TIMEOUTS
                + " election timeouts\n"
                + sim.describeState());
      }
      sim.runTicks(1);
    }
    List<String> problems = new ArrayList<>();
    sim.checkConverged(problems::add);
    if (!problems.isEmpty()) {
      throw new InvariantViolation("State Machine Safety", String.join("; ", problems));
    }
  }

  /** The simulation of the last {@link #run()}, also after it failed. */
  public Simulation simulation() {
    return sim;
  }

  int nemesisActions() {
    return nemesisActions;
  }
}

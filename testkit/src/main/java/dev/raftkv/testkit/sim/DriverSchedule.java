package dev.raftkv.testkit.sim;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * One seeded run of the production node loop ({@link DriverSimulation}). The seed draws the network
 * (loss, duplication, delay), flow control, snapshot interval and chunk size, lease reads, how far
 * the apply and snapshot threads lag, how long an fsync takes, how often the state machine flushes,
 * whether its snapshots are references to checkpoints it keeps (as the KV store's are), how often a
 * sync is a power failure and how soon a crashed member restarts by itself. Then a fault phase:
 * proposals (some in bursts that share an fsync) and linearizable reads at random members and,
 * every few ticks, one of: a partition (one node, the leader, a minority, a ring, a bridge, a
 * one-way link from the leader), a crash of a random member or of the leader (losing what it had
 * not synced), a crash in the middle of its next sync keeping a torn prefix, restarts, a leadership
 * transfer, a membership change through {@code NodeDriver.changeMembership} (remove a voter, add a
 * learner with a fresh id, promote it), or healing everything.
 *
 * <p>Then the liveness phase stops the crashes, heals the network, restarts every member and
 * requires, within {@link RandomSchedule#LIVENESS_ELECTION_TIMEOUTS} election timeouts each, a
 * leader that a majority follows, a new write applied on every member, and every member applied up
 * to the leader's commit index. In the end all members must have applied the same sequence, with
 * every acknowledged write at its index (members removed on the way: a prefix of it).
 */
public final class DriverSchedule {
  private final long seed;
  private final int size;
  private final int faultTicks;
  private final boolean tracing;
  private final UnaryOperator<DriverParams> tweak;
  private DriverSimulation sim;

  /**
   * @param seed the seed that determines everything in the run
   * @param size the number of founding voters
   * @param faultTicks ticks of simulated time in the fault phase
   * @param tracing whether to keep a trace of recent events for the failure report
   */
  public DriverSchedule(long seed, int size, int faultTicks, boolean tracing) {
    this(seed, size, faultTicks, tracing, UnaryOperator.identity());
  }

  /** A schedule whose drawn parameters are changed by {@code tweak} (for tests of the checks). */
  DriverSchedule(
      long seed, int size, int faultTicks, boolean tracing, UnaryOperator<DriverParams> tweak) {
    this.seed = seed;
    this.size = size;
    this.faultTicks = faultTicks;
    this.tracing = tracing;
    this.tweak = tweak;
  }

  /**
   * Runs the schedule.
   *
   * @return counters of what happened
   * @throws InvariantViolation if a safety or liveness property fails
   */
  public Map<String, Long> run() {
    DriverParams params = tweak.apply(draw(new Random(seed ^ 0x2545F4914F6CDD1DL)));
    sim = new DriverSimulation(size, 3, seed, params, tracing);
    List<Long> ids = sim.ids();
    Random rnd = sim.random();
    int proposalEvery = 1 + rnd.nextInt(4);
    int nextNemesis = 5 + rnd.nextInt(20);
    int writes = 0;
    for (int tick = 0; tick < faultTicks; tick++) {
      if (tick % proposalEvery == 0) {
        // Sometimes several at once, so they share a batch and an fsync.
        int burst = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(4) : 1;
        for (int i = 0; i < burst; i++) {
          sim.propose(ids.get(rnd.nextInt(ids.size())), "w" + writes++);
        }
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
    liveness();
    return sim.counters();
  }

  /** The knobs of this run. */
  private static DriverParams draw(Random r) {
    double[] losses = {0, 0, 0.01, 0.05, 0.15};
    double[] dups = {0, 0.02, 0.1};
    int[] maxDelays = {2, 5, 12};
    int[] chunks = {64, 512, 4096};
    long[] snapshotEvery = {3, 5, 10, 40};
    int[] applyDelays = {0, 2, 8, 30};
    int[] snapshotWrites = {0, 5, 40};
    int[] syncs = {0, 1, 4};
    double[] flushes = {0.05, 0.3, 1.0};
    double[] powerFailures = {0, 0.002, 0.01, 0.03};
    int[] restartAfter = {0, 20, 80};
    SimNetwork net =
        new SimNetwork(
            losses[r.nextInt(losses.length)],
            dups[r.nextInt(dups.length)],
            1,
            maxDelays[r.nextInt(maxDelays.length)]);
    RaftConfig config =
        RaftConfig.defaults(1)
            .withFlowControl(1 + r.nextInt(8), 1 + r.nextInt(4) * 200)
            .withSnapshots(chunks[r.nextInt(chunks.length)], r.nextInt(4))
            .withLeaseRead(r.nextInt(3) == 0, 2);
    return new DriverParams(
        config,
        net,
        snapshotEvery[r.nextInt(snapshotEvery.length)],
        applyDelays[r.nextInt(applyDelays.length)],
        snapshotWrites[r.nextInt(snapshotWrites.length)],
        syncs[r.nextInt(syncs.length)],
        flushes[r.nextInt(flushes.length)],
        r.nextBoolean(),
        powerFailures[r.nextInt(powerFailures.length)],
        restartAfter[r.nextInt(restartAfter.length)],
        false);
  }

  private void nemesis(Random rnd, List<Long> ids) {
    long leader = anyLeader(rnd, ids);
    long any = ids.get(rnd.nextInt(ids.size()));
    switch (rnd.nextInt(16)) {
      case 0 -> sim.isolate(any);
      case 1 -> sim.isolate(leader);
      case 2 -> {
        List<Long> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, rnd);
        Set<Long> minority = new TreeSet<>(shuffled.subList(0, (ids.size() - 1) / 2));
        Set<Long> majority = new TreeSet<>(ids);
        majority.removeAll(minority);
        sim.split(List.of(minority, majority));
      }
      case 3 -> sim.split(SimNetwork.ring(rnd, ids));
      case 4 -> sim.split(SimNetwork.bridge(rnd, ids));
      case 5 -> sim.blockOneWay(leader, any);
      case 6 -> sim.crash(any);
      case 7 -> sim.crash(leader);
      case 8 -> sim.crashInNextSync(any, rnd.nextInt(6));
      case 9 -> sim.crashInNextSync(leader, rnd.nextInt(6));
      case 10 -> {
        for (long id : ids) {
          if (rnd.nextBoolean()) {
            sim.restart(id);
          }
        }
      }
      case 11 -> sim.transfer(leader, any);
      case 12, 13 -> changeMembership(rnd, ids, leader);
      default -> sim.healAndRestartAll();
    }
  }

  /** Removes a voter (keeping at least two), promotes a learner, or adds a fresh learner. */
  private void changeMembership(Random rnd, List<Long> ids, long leader) {
    Status st = sim.status(leader);
    if (st == null || !sim.leaders().containsKey(leader)) {
      return;
    }
    List<Long> voters = new ArrayList<>(st.conf().voters());
    List<Long> learners = new ArrayList<>(st.conf().learners());
    // Only ids that never ran join: a member id is never reused (as etcd's are not), since a
    // wiped member could otherwise vote again in a term its old self voted in.
    List<Long> fresh = new ArrayList<>();
    for (long id : ids) {
      if (!st.conf().contains(id) && !sim.everStarted(id)) {
        fresh.add(id);
      }
    }
    int choice = rnd.nextInt(3);
    if (choice == 0 && voters.size() > 2) {
      long victim = voters.get(rnd.nextInt(voters.size()));
      sim.changeMembership(leader, new ConfChange(ConfChange.Type.REMOVE, victim));
    } else if (choice == 1 && !learners.isEmpty()) {
      long l = learners.get(rnd.nextInt(learners.size()));
      sim.changeMembership(leader, new ConfChange(ConfChange.Type.ADD_VOTER, l));
    } else if (!fresh.isEmpty()) {
      long n = fresh.get(rnd.nextInt(fresh.size()));
      sim.changeMembership(leader, new ConfChange(ConfChange.Type.ADD_LEARNER, n));
    }
  }

  private long anyLeader(Random rnd, List<Long> ids) {
    Map<Long, Long> leaders = sim.leaders();
    return leaders.isEmpty()
        ? ids.get(rnd.nextInt(ids.size()))
        : leaders.keySet().iterator().next();
  }

  private void liveness() {
    sim.stopCrashing();
    sim.healAndRestartAll();
    sim.setLoss(0, 0.02);
    int budget =
        RandomSchedule.LIVENESS_ELECTION_TIMEOUTS * RaftConfig.defaults(1).electionTickMax();
    int waited = 0;
    while (sim.agreedLeader() == 0) {
      if (waited++ > budget) {
        throw new InvariantViolation(
            "Liveness",
            "no leader agreed by a majority within "
                + RandomSchedule.LIVENESS_ELECTION_TIMEOUTS
                + " election timeouts after healing\n"
                + sim.describeState());
      }
      sim.runTicks(1);
    }
    // The next two waits allow the budget without progress: an apply thread still working through
    // a backlog the faults left it (the simulated apply thread takes a seeded delay per task, so
    // a member that fell behind can hold a hundred tasks) restarts it each time the slowest state
    // machine moves on, up to ten budgets in all. A member that stops applying fails as before.
    String marker = "final-" + seed;
    waited = 0;
    int total = 0;
    long slowest = sim.slowestApplied();
    while (!sim.appliedEverywhere(marker)) {
      if (total % 5 == 0 && sim.agreedLeader() != 0) {
        sim.propose(sim.agreedLeader(), marker);
      }
      if (sim.slowestApplied() > slowest) {
        slowest = sim.slowestApplied();
        waited = 0;
      }
      if (waited++ > budget || total++ > 10 * budget) {
        throw new InvariantViolation(
            "Liveness",
            "a write proposed after healing was not applied on every member within "
                + RandomSchedule.LIVENESS_ELECTION_TIMEOUTS
                + " election timeouts without progress\n"
                + sim.describeState());
      }
      sim.runTicks(1);
    }
    waited = 0;
    total = 0;
    slowest = sim.slowestApplied();
    while (!sim.converged()) {
      if (sim.slowestApplied() > slowest) {
        slowest = sim.slowestApplied();
        waited = 0;
      }
      if (waited++ > budget || total++ > 10 * budget) {
        throw new InvariantViolation(
            "Liveness",
            "the members did not all apply up to the leader's commit index within "
                + RandomSchedule.LIVENESS_ELECTION_TIMEOUTS
                + " election timeouts\n"
                + sim.describeState());
      }
      sim.runTicks(1);
    }
    checkConverged();
  }

  /**
   * Every member of the final membership applied the same sequence, holding every acknowledged
   * write; members removed on the way applied a prefix of it.
   */
  private void checkConverged() {
    Set<Long> finalMembers = sim.members();
    Map<Long, List<SimStateMachine.Write>> writes = new LinkedHashMap<>();
    for (long id : finalMembers) {
      writes.put(id, sim.writes(id));
    }
    long first = finalMembers.iterator().next();
    List<SimStateMachine.Write> reference = writes.get(first);
    for (Map.Entry<Long, List<SimStateMachine.Write>> e : writes.entrySet()) {
      if (!e.getValue().equals(reference)) {
        throw new InvariantViolation(
            "State Machine Safety",
            "members " + first + " and " + e.getKey() + " applied different sequences");
      }
    }
    for (long id : sim.ids()) {
      List<SimStateMachine.Write> w = sim.writes(id);
      if (!finalMembers.contains(id) && sim.isUp(id)) {
        List<SimStateMachine.Write> cut = w.subList(0, Math.min(w.size(), reference.size()));
        if (!reference.subList(0, cut.size()).equals(cut)) {
          throw new InvariantViolation(
              "State Machine Safety",
              "removed member " + id + " applied a sequence that is not a prefix of the members'");
        }
      }
    }
    sim.acknowledgements().checkDurable(writes);
  }

  /** The simulation of the last {@link #run()}, also after it failed. */
  DriverSimulation simulation() {
    return sim;
  }

  /** The last events of a traced run. */
  public List<String> trace() {
    return sim == null ? List.of() : sim.trace();
  }
}

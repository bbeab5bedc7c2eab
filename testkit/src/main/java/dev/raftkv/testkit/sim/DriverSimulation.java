package dev.raftkv.testkit.sim;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Describe;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.NodeDriver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The production node loop on virtual time: each member runs the {@link NodeDriver} the server
 * ships, on a {@link SimLogStore} (durable versus buffered writes; a crash loses what was not
 * synced, and a crash in the middle of a sync keeps a torn prefix) and a {@link SimStateMachine}
 * (whose durable copy lags, as the KV store's does, so a restart replays the log), with the shipped
 * runtime's three threads: the loop, and an apply and a snapshot thread ({@link SimThread}s that
 * run behind the loop by seeded delays). A sync keeps the loop busy for a seeded time, so what
 * arrives meanwhile shares the next fsync (group commit). Messages cross a {@link SimNetwork}.
 *
 * <p>{@link DriverChecks} checks, after every event that touched a member, Election Safety, Log
 * Matching (on every entry as it becomes durable), Leader Completeness, State Machine Safety (on
 * every entry applied and on snapshot contents), monotonic commit, the durable term and vote rules
 * and one membership change at a time; {@link Acknowledgements} checks what clients were told.
 * Single-threaded and seeded: the same seed replays the same run.
 */
public final class DriverSimulation {
  static final int TICK_MS = Simulation.TICK_MS;

  private final long seed;
  private final DriverParams params;
  private final Random random;
  private final boolean tracing;
  private final EventQueue events = new EventQueue(20_000 / TICK_MS);
  private final SimNetwork network;
  private final DriverChecks checks;
  private final Acknowledgements acks = new Acknowledgements();
  private final Map<Long, DriverMember> members = new LinkedHashMap<>();
  private final List<Long> ids = new ArrayList<>();
  private final Map<String, Long> counters = new TreeMap<>();
  private final List<String> trace = new ArrayList<>();

  /** The chance that a sync is a crash in the middle of it (0 once the faults are over). */
  private double powerFailureChance;

  /** Whether a crashed member restarts by itself after a while (during the fault phase). */
  private boolean autoRestart = true;

  /**
   * A cluster of {@code size} founding voters (ids 1..size, all up) and {@code spares} more ids
   * that are down and not members (they may join later with an empty disk).
   */
  DriverSimulation(int size, int spares, long seed, DriverParams params, boolean tracing) {
    this.seed = seed;
    this.params = params;
    this.network = params.network();
    this.random = new Random(seed);
    this.tracing = tracing;
    this.checks = new DriverChecks(size, this::count);
    this.powerFailureChance = params.powerFailureChance();
    Set<Long> voters = new TreeSet<>();
    for (long id = 1; id <= size; id++) {
      voters.add(id);
    }
    for (long id = 1; id <= size + spares; id++) {
      ids.add(id);
      MemoryStorage disk =
          id <= size ? MemoryStorage.bootstrap(voters) : new MemoryStorage(ConfState.EMPTY);
      members.put(id, new DriverMember(id, disk));
    }
    for (long id : voters) {
      start(members.get(id));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /** Runs the cluster for {@code ticks} ticks of virtual time. */
  void runTicks(int ticks) {
    events.runFor((long) ticks * TICK_MS, this::describeState);
    checks.throwDeferred();
  }

  Random random() {
    return random;
  }

  // ---------------------------------------------------------------------------------------------
  // Processes

  private void start(DriverMember m) {
    m.incarnations++;
    MemoryStorage disk = m.disk;
    long durableCommit = disk.hardState().commit();
    SimLogStore store = new SimLogStore(disk, checks.disk(m), this::powerFailure);
    if (params.brokenFsync()) {
      store.lieAboutSyncs();
    }
    SimStateMachine machine =
        new SimStateMachine(
            m.id,
            m.machineDisk,
            params.machineFlushChance(),
            params.snapshotReferences(),
            random,
            checks.machine(m.id));
    DriverMember.Incarnation p = new DriverMember.Incarnation(m.incarnations, store, machine);
    if (m.incarnations > 1 && machine.appliedIndex() < durableCommit) {
      count("restarts-replaying-log");
    }
    p.applier =
        new SimThread(
            "apply thread of member " + m.id,
            events,
            () -> delay(params.maxApplyDelayMs()),
            () -> p.alive,
            () -> wakeIfPending(p));
    p.snapshotter =
        new SimThread(
            "snapshot thread of member " + m.id,
            events,
            () -> delay(params.maxSnapshotWriteMs()),
            () -> p.alive,
            () -> wakeIfPending(p));
    try {
      p.driver =
          new NodeDriver(
              params.config().withId(m.id),
              store,
              machine,
              msg -> {
                if (p.alive) {
                  send(msg);
                }
              },
              p.applier,
              p.snapshotter,
              params.snapshotEvery(),
              new Random(seed * 31 + m.id * 7919 + m.incarnations));
    } catch (InvariantViolation e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvariantViolation(
          "Restart from disk", "member " + m.id + " could not start: " + e, e);
    }
    m.process = p;
    checks.started(m.id, store.initialState().hardState(), p, this::leaders);
    trace("start " + m.id + " #" + m.incarnations + " " + Describe.status(p.status()));
    int first = 1 + random.nextInt(TICK_MS);
    events.at(first, () -> tickLoop(p));
  }

  private void tickLoop(DriverMember.Incarnation p) {
    if (!p.alive) {
      return;
    }
    p.driver.tick();
    wake(p);
    events.at(TICK_MS, () -> tickLoop(p));
  }

  /** Has the node loop run what is queued, once its current fsync (if any) is over. */
  private void wake(DriverMember.Incarnation p) {
    if (!p.pumpScheduled && p.alive) {
      p.pumpScheduled = true;
      DriverMember m = memberOf(p);
      events.at(p.busyUntil - events.now(), () -> pump(m, p));
    }
  }

  /** After a task of the apply or snapshot thread: the loop runs what the task queued for it. */
  private void wakeIfPending(DriverMember.Incarnation p) {
    if (p.driver.hasPending()) {
      wake(p);
    }
  }

  private void pump(DriverMember m, DriverMember.Incarnation p) {
    p.pumpScheduled = false;
    if (!p.alive) {
      return;
    }
    long syncs = p.store.syncs();
    try {
      while (p.alive && p.driver.hasPending()) {
        p.driver.runPending(0);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    checks.throwDeferred();
    if (p.store.dead()) {
      trace("crash " + m.id + " in the middle of a sync");
      down(m);
      return;
    }
    RuntimeException failure = p.driver.failure();
    if (failure instanceof InvariantViolation v) {
      throw v;
    }
    if (failure != null) {
      throw new InvariantViolation(
          "No failure in the node loop", "member " + m.id + ": " + failure, failure);
    }
    if (p.store.syncs() > syncs && params.maxSyncMs() > 0) {
      p.busyUntil = events.now() + 1 + random.nextInt(params.maxSyncMs());
    }
    checks.observe(m.id, p, this::leaders);
  }

  /** At a sync: -1, or (seeded) how many records reach the disk before the power fails. */
  private int powerFailure() {
    return random.nextDouble() < powerFailureChance ? random.nextInt(4) : -1;
  }

  private int delay(int maxMs) {
    return maxMs == 0 ? 0 : random.nextInt(maxMs + 1);
  }

  private DriverMember memberOf(DriverMember.Incarnation p) {
    return members.get(p.driver.id());
  }

  /** The process is gone: it stops, and the next incarnation will find only the durable state. */
  private void down(DriverMember m) {
    DriverMember.Incarnation p = m.process;
    p.alive = false;
    p.driver.stop();
    p.applier.discard();
    p.snapshotter.discard();
    m.process = null;
    m.disk = SimLogStore.recover(m.disk);
    if (autoRestart && params.restartAfterMaxTicks() > 0) {
      int incarnation = m.incarnations;
      events.at(
          (long) TICK_MS * (1 + random.nextInt(params.restartAfterMaxTicks())),
          () -> {
            if (autoRestart && !m.up() && m.incarnations == incarnation) {
              restart(m.id);
            }
          });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Network

  private void send(Message msg) {
    count("messages");
    if (!network.connected(msg.from(), msg.to()) || random.nextDouble() < network.lossRate) {
      return;
    }
    int copies = random.nextDouble() < network.duplicateRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      events.at(network.delay(random), () -> deliver(msg));
    }
  }

  private void deliver(Message msg) {
    DriverMember to = members.get(msg.to());
    if (to == null || !to.up() || !network.connected(msg.from(), msg.to())) {
      return;
    }
    if (tracing) {
      trace("deliver " + Describe.message(msg));
    }
    to.process.driver.deliver(msg);
    wake(to.process);
  }

  // ---------------------------------------------------------------------------------------------
  // Clients

  /** Proposes {@code value} at member {@code id} through its driver, if it is up. */
  void propose(long id, String value) {
    DriverMember m = members.get(id);
    if (!m.up()) {
      return;
    }
    count("proposals");
    trace("propose " + value + " at " + id);
    m.process
        .driver
        .propose(value.getBytes(StandardCharsets.UTF_8))
        .whenComplete(
            (applied, error) -> {
              if (applied != null) {
                checks.deferring(() -> acks.acknowledged(id, value, applied));
              }
            });
    wake(m.process);
  }

  /** Starts a linearizable read at member {@code id} through its driver, if it is up. */
  void read(long id) {
    DriverMember m = members.get(id);
    if (!m.up()) {
      return;
    }
    count("reads");
    DriverMember.Incarnation p = m.process;
    long floor = acks.readFloor();
    p.driver
        .readIndex()
        .whenComplete(
            (index, error) -> {
              if (index != null) {
                count("reads-served");
                checks.deferring(() -> acks.readServed(id, floor, index, p.machine.appliedIndex()));
              }
            });
    wake(p);
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  /** Crashes member {@code id} now: it loses what it had buffered and not synced. */
  void crash(long id) {
    DriverMember m = members.get(id);
    if (!m.up()) {
      return;
    }
    count("crashes");
    trace("crash " + id + " (" + m.process.store.buffered() + " records unsynced)");
    down(m);
  }

  /**
   * Makes member {@code id} crash in the middle of its next sync, keeping only the first {@code
   * keep} records of what it writes.
   */
  void crashInNextSync(long id, int keep) {
    DriverMember m = members.get(id);
    if (m.up()) {
      trace("arm a crash of " + id + " in its next sync, keeping " + keep + " records");
      m.process.store.tearNextSync(keep);
    }
  }

  /** Restarts a crashed member from its durable state; one that never ran stays down. */
  void restart(long id) {
    DriverMember m = members.get(id);
    if (m.up() || m.incarnations == 0) {
      return;
    }
    count("restarts");
    start(m);
  }

  /**
   * Ends the fault phase: no more crashes in syncs (random or armed), no restarts by themselves
   * (the liveness phase restarts everyone).
   */
  void stopCrashing() {
    powerFailureChance = 0;
    autoRestart = false;
    for (DriverMember m : members.values()) {
      if (m.up()) {
        m.process.store.cancelTear();
      }
    }
  }

  /** Heals the network and restarts every member that ran before. */
  void healAndRestartAll() {
    heal();
    for (long id : ids) {
      restart(id);
    }
  }

  void isolate(long id) {
    trace("isolate " + id);
    network.isolate(id, ids);
  }

  void split(List<Set<Long>> groups) {
    trace("split " + groups);
    network.split(groups, ids);
  }

  void blockOneWay(long from, long to) {
    trace("block " + from + "->" + to);
    network.block(from, to);
  }

  void heal() {
    trace("heal");
    network.heal();
  }

  void setLoss(double lossRate, double duplicateRate) {
    network.lossRate = lossRate;
    network.duplicateRate = duplicateRate;
  }

  /** Asks the leader {@code id} to hand leadership to {@code target}. */
  void transfer(long id, long target) {
    DriverMember m = members.get(id);
    if (!m.up() || !m.process.leads()) {
      return;
    }
    count("transfers");
    trace("transfer " + id + " -> " + target);
    m.process.driver.transferLeadership(target);
    wake(m.process);
  }

  /**
   * Proposes a membership change through the leader {@code id}'s driver. A learner to be added that
   * never ran is started first with an empty disk, as a server joining an existing cluster.
   */
  void changeMembership(long id, ConfChange change) {
    DriverMember m = members.get(id);
    if (!m.up() || !m.process.leads()) {
      return;
    }
    DriverMember target = members.get(change.nodeId());
    if (change.type() == ConfChange.Type.ADD_LEARNER && target.incarnations == 0) {
      start(target);
    }
    count("conf-changes-proposed");
    trace("propose " + change + " at " + id);
    m.process.driver.changeMembership(change);
    wake(m.process);
  }

  // ---------------------------------------------------------------------------------------------
  // Observation

  List<Long> ids() {
    return List.copyOf(ids);
  }

  boolean isUp(long id) {
    return members.get(id).up();
  }

  /** Whether member {@code id} ever ran. */
  boolean everStarted(long id) {
    return members.get(id).incarnations > 0;
  }

  /** The status of member {@code id}, or null while it is down. */
  Status status(long id) {
    DriverMember m = members.get(id);
    return m.up() ? m.process.status() : null;
  }

  /** Up members that believe they lead, with their terms. */
  Map<Long, Long> leaders() {
    Map<Long, Long> out = new LinkedHashMap<>();
    for (DriverMember m : members.values()) {
      if (m.up() && m.process.leads()) {
        out.put(m.id, m.process.status().term());
      }
    }
    return out;
  }

  /** The leader of the highest term that a majority of its own voters follow, or 0. */
  long agreedLeader() {
    long best = 0;
    long bestTerm = -1;
    for (DriverMember l : members.values()) {
      if (!l.up() || !l.process.leads() || l.process.status().term() <= bestTerm) {
        continue;
      }
      Status ls = l.process.status();
      int following = 0;
      for (long v : ls.conf().voters()) {
        Status s = status(v);
        if (s != null && s.leader() == l.id) {
          following++;
        }
      }
      if (following > ls.conf().voters().size() / 2) {
        best = l.id;
        bestTerm = ls.term();
      }
    }
    return best;
  }

  /** The members (voters and learners) of the agreed leader's membership, or none. */
  Set<Long> members() {
    long leader = agreedLeader();
    return leader == 0 ? Set.of() : new TreeSet<>(status(leader).conf().all());
  }

  /** The writes member {@code id}'s state machine holds now (empty while it is down). */
  List<SimStateMachine.Write> writes(long id) {
    DriverMember m = members.get(id);
    return m.up() ? m.process.machine.writes() : List.of();
  }

  /** Whether every member of the agreed membership is up and applied a write of {@code value}. */
  boolean appliedEverywhere(String value) {
    Set<Long> all = members();
    if (all.isEmpty()) {
      return false;
    }
    for (long id : all) {
      if (!isUp(id) || writes(id).stream().noneMatch(w -> w.value().equals(value))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The lowest index the state machines of the agreed membership applied (down members count as 0):
   * it grows while the slowest apply thread works through its backlog.
   */
  long slowestApplied() {
    long min = Long.MAX_VALUE;
    for (long id : members()) {
      DriverMember m = members.get(id);
      min = Math.min(min, m.up() ? m.process.machine.appliedIndex() : 0);
    }
    return min == Long.MAX_VALUE ? 0 : min;
  }

  /**
   * Whether an agreed leader exists and every member of its membership is up with its state machine
   * applied up to the leader's commit index.
   */
  boolean converged() {
    long leader = agreedLeader();
    if (leader == 0) {
      return false;
    }
    long commit = status(leader).commit();
    for (long id : members()) {
      DriverMember m = members.get(id);
      if (!m.up() || m.process.machine.appliedIndex() != commit) {
        return false;
      }
    }
    return true;
  }

  Acknowledgements acknowledgements() {
    return acks;
  }

  /** Counters of what happened (proposals, crashes, snapshots, reads, ...). */
  Map<String, Long> counters() {
    Map<String, Long> out = new TreeMap<>(counters);
    out.put("acknowledged", (long) acks.acknowledgedCount());
    out.put("terms-with-leader", (long) checks.leaderTerms());
    return out;
  }

  /** The last events, for a failure report (empty unless tracing). */
  List<String> trace() {
    return List.copyOf(trace);
  }

  /** The network and member states, for a failure report. */
  String describeState() {
    StringBuilder sb =
        new StringBuilder("t=" + events.now() + "ms network " + network.describe() + "\n");
    for (DriverMember m : members.values()) {
      sb.append("  ");
      if (m.up()) {
        Status s = m.process.status();
        sb.append(Describe.status(s))
            .append(" conf=")
            .append(s.conf().voters())
            .append(s.conf().learners().isEmpty() ? "" : " learners=" + s.conf().learners())
            .append(" machine=")
            .append(m.process.machine.appliedIndex());
      } else {
        sb.append(m.id).append(m.incarnations == 0 ? ": never ran" : ": DOWN");
      }
      sb.append(" disk=")
          .append(m.disk.firstIndex())
          .append("..")
          .append(m.disk.lastIndex())
          .append(' ')
          .append(m.disk.hardState())
          .append(" machine-disk=")
          .append(m.machineDisk.applied())
          .append('\n');
    }
    return sb.toString();
  }

  private void count(String what) {
    counters.merge(what, 1L, Long::sum);
  }

  private void trace(String line) {
    if (tracing) {
      trace.add(events.now() + "ms " + line);
      if (trace.size() > Simulation.TRACE_LINES) {
        trace.remove(0);
      }
    }
  }
}

package dev.raftkv.testkit.sim;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Status;
import dev.raftkv.testkit.Describe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A deterministic, single-threaded simulation of a Raft cluster: real {@link RaftNode}s on virtual
 * time, a virtual network (delay, loss, duplication, reordering, partitions) and virtual disks that
 * lose whatever was not yet persisted when a node crashes. Every event is followed by the {@link
 * Invariants} checks; the same seed always replays the same run.
 *
 * <p>Each node's Ready is carried out in two events, as a real runtime does: at once its send-now
 * messages go out and the disk write starts; when the write completes (after a random disk delay)
 * the entries and hard state become durable, the after-persist messages go out and committed
 * entries are applied. A crash in between loses the write.
 */
public final class Simulation {
  /** Virtual milliseconds per tick. */
  public static final int TICK_MS = 10;

  private final long seed;
  private final Random random;
  private final List<Long> ids = new ArrayList<>();
  private final Map<Long, SimNode> nodes = new LinkedHashMap<>();
  private final SimNetwork network;
  private final Invariants invariants;
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final Set<Long> detached = new TreeSet<>();
  private final RaftConfig baseConfig;
  private final int maxDiskDelayMs;
  private long now;
  private long eventSeq;
  private long proposals;
  private long proposalsRejected;
  private long messagesSent;
  private long crashes;
  private final List<String> trace = new ArrayList<>();
  private final boolean tracing;

  /** One event in virtual time; ties break by creation order, keeping runs deterministic. */
  private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  /** A member: its durable disk survives crashes; everything else is rebuilt on restart. */
  private final class SimNode {
    final long id;
    final MemoryStorage disk;
    RaftNode raft;
    int incarnation;
    Ready writing;
    final List<Entry> applied = new ArrayList<>();

    SimNode(long id, ConfState conf) {
      this.id = id;
      this.disk = new MemoryStorage(conf);
    }

    boolean up() {
      return raft != null;
    }
  }

  /**
   * Creates a cluster of {@code size} voters with ids 1..size, all up and connected.
   *
   * @param seed drives every random choice of this simulation
   * @param config the node configuration (its id is replaced per node)
   * @param network the network behaviour
   * @param maxDiskDelayMs the longest a disk write takes, in virtual milliseconds
   * @param tracing whether to keep a trace of events for failure reports
   */
  Simulation(
      int size,
      long seed,
      RaftConfig config,
      SimNetwork network,
      int maxDiskDelayMs,
      boolean tracing) {
    this.seed = seed;
    this.random = new Random(seed);
    this.baseConfig = config;
    this.network = network;
    this.maxDiskDelayMs = maxDiskDelayMs;
    this.tracing = tracing;
    this.invariants = new Invariants();
    Set<Long> voters = new TreeSet<>();
    for (long id = 1; id <= size; id++) {
      ids.add(id);
      voters.add(id);
    }
    for (long id : ids) {
      nodes.put(id, new SimNode(id, ConfState.ofVoters(voters)));
    }
    for (long id : ids) {
      start(nodes.get(id));
    }
  }

  /** A cluster with the default Raft configuration and a quiet network (1–3 ms, no loss). */
  public static Simulation create(int size, long seed) {
    return new Simulation(size, seed, RaftConfig.defaults(1), new SimNetwork(0, 0, 1, 3), 2, false);
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** Runs events until virtual time has advanced by {@code ticks} ticks. */
  public void runTicks(long ticks) {
    runUntil(now + ticks * TICK_MS);
  }

  private void runUntil(long until) {
    while (!events.isEmpty() && events.peek().time() <= until) {
      Event e = events.poll();
      now = e.time();
      e.action().run();
    }
    now = until;
  }

  private void at(long delayMs, Runnable action) {
    events.add(new Event(now + delayMs, eventSeq++, action));
  }

  private void trace(String line) {
    if (tracing) {
      trace.add(now + "ms " + line);
      if (trace.size() > 400) {
        trace.remove(0);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  private void start(SimNode n) {
    RaftConfig c =
        new RaftConfig(
            n.id,
            baseConfig.electionTickMin(),
            baseConfig.electionTickMax(),
            baseConfig.heartbeatTick(),
            baseConfig.preVote(),
            baseConfig.checkQuorum(),
            baseConfig.maxInflight(),
            baseConfig.maxMessageBytes(),
            baseConfig.maxInflightBytes(),
            baseConfig.maxApplyBytes());
    n.incarnation++;
    n.raft = new RaftNode(c, n.disk, new Random(seed * 31 + n.id * 7919 + n.incarnation));
    n.applied.clear();
    n.writing = null;
    invariants.nodeStarted(n.id, n.disk.hardState());
    int inc = n.incarnation;
    // Clocks of different nodes are not in phase.
    at(1 + random.nextInt(TICK_MS), () -> tickLoop(n, inc));
    drive(n);
  }

  private void tickLoop(SimNode n, int inc) {
    if (n.incarnation != inc || !n.up()) {
      return;
    }
    guard(n, () -> n.raft.tick());
    at(TICK_MS, () -> tickLoop(n, inc));
  }

  /** Runs {@code action} on node {@code n}, then hands out its Ready and checks invariants. */
  private void guard(SimNode n, Runnable action) {
    try {
      action.run();
    } catch (ProposalRejectedException e) {
      proposalsRejected++;
    } catch (InvariantViolation e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvariantViolation("No exception in the core", "node " + n.id + " threw " + e, e);
    }
    drive(n);
  }

  /** Starts carrying out the node's next Ready if no disk write is running. */
  private void drive(SimNode n) {
    observe(n);
    if (!n.up() || n.writing != null || !n.raft.hasReady()) {
      return;
    }
    Ready rd = n.raft.ready();
    n.writing = rd;
    for (Message m : rd.messages()) {
      send(m);
    }
    int inc = n.incarnation;
    long delay = rd.mustSync() ? 1 + random.nextInt(maxDiskDelayMs) : 0;
    at(delay, () -> finishWrite(n, inc, rd));
  }

  private void finishWrite(SimNode n, int inc, Ready rd) {
    if (n.incarnation != inc || n.writing != rd) {
      return;
    }
    n.writing = null;
    if (!rd.entries().isEmpty()) {
      n.disk.append(rd.entries());
      invariants.persisted(n.id, n.disk, rd.entries());
    }
    if (rd.hardState() != null) {
      n.disk.setHardState(rd.hardState());
      invariants.hardStatePersisted(n.id, rd.hardState());
    }
    for (Message m : rd.messagesAfterPersist()) {
      send(m);
    }
    for (Entry e : rd.committedEntries()) {
      invariants.applied(n.id, e);
      n.applied.add(e);
    }
    guard(n, () -> n.raft.advance(rd));
  }

  private void observe(SimNode n) {
    if (n.up()) {
      invariants.observe(n.id, n.raft, this::leaders);
    }
  }

  private void send(Message m) {
    messagesSent++;
    if (!network.connected(m.from(), m.to())) {
      return;
    }
    if (random.nextDouble() < network.lossRate) {
      return;
    }
    int copies = random.nextDouble() < network.duplicateRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      at(network.delay(random), () -> deliver(m));
    }
  }

  private void deliver(Message m) {
    SimNode to = nodes.get(m.to());
    if (to == null || !to.up() || !network.connected(m.from(), m.to())) {
      return;
    }
    if (tracing) {
      trace("deliver " + Describe.message(m));
    }
    guard(to, () -> to.raft.step(m));
  }

  // ---------------------------------------------------------------------------------------------
  // Faults and clients

  /** Crashes a node: its memory and any disk write in progress are lost. */
  public void crash(long id) {
    SimNode n = nodes.get(id);
    if (!n.up()) {
      return;
    }
    trace("crash " + id);
    crashes++;
    n.raft = null;
    n.writing = null;
    n.incarnation++;
  }

  /** Restarts a crashed node from its disk. */
  public void restart(long id) {
    SimNode n = nodes.get(id);
    if (n.up()) {
      return;
    }
    trace("restart " + id);
    start(n);
  }

  /** Cuts a node off from all its peers (the seed's {@code Detach()}). */
  public void detach(long id) {
    trace("detach " + id);
    detached.add(id);
    network.isolate(id, ids);
  }

  /** Reconnects a detached node (the seed's {@code Attach()}). */
  public void attach(long id) {
    trace("attach " + id);
    detached.remove(id);
    network.attach(id, ids, detached);
  }

  /** Only links inside each group work afterwards. */
  public void split(List<Set<Long>> groups) {
    trace("split " + groups);
    detached.clear();
    network.split(groups, ids);
  }

  /** Blocks messages from {@code from} to {@code to} only. */
  public void blockOneWay(long from, long to) {
    trace("block " + from + "->" + to);
    network.block(from, to);
  }

  /** Removes every partition. */
  public void heal() {
    trace("heal");
    detached.clear();
    network.heal();
  }

  /** Proposes {@code data} at node {@code id}; a rejection is counted, not thrown. */
  public void propose(long id, String data) {
    SimNode n = nodes.get(id);
    if (!n.up()) {
      return;
    }
    proposals++;
    guard(n, () -> n.raft.propose(data.getBytes(StandardCharsets.UTF_8)));
  }

  void setLoss(double lossRate, double duplicateRate) {
    network.lossRate = lossRate;
    network.duplicateRate = duplicateRate;
  }

  // ---------------------------------------------------------------------------------------------
  // Observation

  public List<Long> ids() {
    return List.copyOf(ids);
  }

  public boolean isUp(long id) {
    return nodes.get(id).up();
  }

  public Status status(long id) {
    SimNode n = nodes.get(id);
    return n.up() ? n.raft.status() : null;
  }

  /** The ids of up nodes that believe they lead, with their terms. */
  public Map<Long, Long> leaders() {
    Map<Long, Long> out = new LinkedHashMap<>();
    for (SimNode n : nodes.values()) {
      if (n.up() && n.raft.role() == Role.LEADER) {
        out.put(n.id, n.raft.term());
      }
    }
    return out;
  }

  /**
   * The leader of the highest term among up nodes that a majority of up nodes follow, or 0 if there
   * is no such agreement.
   */
  public long agreedLeader() {
    Map<Long, Integer> votes = new LinkedHashMap<>();
    long best = 0;
    long bestTerm = -1;
    for (SimNode n : nodes.values()) {
      if (n.up() && n.raft.leader() != 0) {
        votes.merge(n.raft.leader(), 1, Integer::sum);
      }
    }
    for (Map.Entry<Long, Integer> e : votes.entrySet()) {
      SimNode l = nodes.get(e.getKey());
      if (e.getValue() > ids.size() / 2
          && l.up()
          && l.raft.role() == Role.LEADER
          && l.raft.term() > bestTerm) {
        best = l.id;
        bestTerm = l.raft.term();
      }
    }
    return best;
  }

  /** The data of the entries node {@code id} applied since it last started, in order. */
  public List<String> applied(long id) {
    List<String> out = new ArrayList<>();
    for (Entry e : nodes.get(id).applied) {
      if (e.data().length > 0) {
        out.add(new String(e.data(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** Whether every up node has applied an entry with {@code data}. */
  public boolean appliedEverywhere(String data) {
    for (SimNode n : nodes.values()) {
      if (n.up() && !applied(n.id).contains(data)) {
        return false;
      }
    }
    return true;
  }

  public Set<Long> detached() {
    return new HashSet<>(detached);
  }

  public long now() {
    return now;
  }

  public Random random() {
    return random;
  }

  /** Counters for the summary line. */
  public String counters() {
    return "proposals="
        + proposals
        + " rejected="
        + proposalsRejected
        + " messages="
        + messagesSent
        + " crashes="
        + crashes
        + " elections(terms with a leader)="
        + invariants.leaderTerms()
        + " maxCommit="
        + invariants.maxCommitted();
  }

  /** The last events, for a failure report (empty unless tracing). */
  public List<String> trace() {
    return List.copyOf(trace);
  }

  /** The network and node states, for a failure report. */
  public String describeState() {
    StringBuilder sb = new StringBuilder("t=" + now + "ms network " + network.describe() + "\n");
    for (SimNode n : nodes.values()) {
      sb.append("  ")
          .append(n.up() ? Describe.status(n.raft.status()) : n.id + ": DOWN")
          .append('\n');
    }
    return sb.toString();
  }

  /** Runs a final consistency check over all up nodes (call when the cluster has converged). */
  public void checkConverged(Consumer<String> onProblem) {
    invariants.checkAppliedPrefixes(nodes.keySet(), this::applied, onProblem);
  }
}

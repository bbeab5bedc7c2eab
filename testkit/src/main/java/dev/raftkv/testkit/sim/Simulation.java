package dev.raftkv.testkit.sim;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Describe;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
 * the snapshot, entries and hard state become durable, the after-persist messages go out, committed
 * entries are applied and reads answered. A crash in between loses the write.
 *
 * <p>Each node's state machine is the list of entries it applied; it snapshots that list every few
 * entries, and a restarted node rebuilds its log from its last snapshot plus the entries after it,
 * as a real server does.
 */
public final class Simulation {
  /** Virtual milliseconds per tick. */
  public static final int TICK_MS = 10;

  /** Far above what a healthy cluster of 9 nodes does in one tick. */
  private static final long MAX_EVENTS_PER_TICK = 20_000;

  /** How many recent events a traced run keeps for its failure report. */
  static final int TRACE_LINES = Integer.getInteger("raftkv.sim.trace", 400);

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
  private final int snapshotEvery;
  private long now;
  private long eventSeq;
  private final Map<String, Long> counters = new java.util.TreeMap<>();
  private final List<String> trace = new ArrayList<>();
  private final boolean tracing;

  /** Which node a write was proposed at, by data; a write is acknowledged when it applies there. */
  private final Map<String, Long> proposedAt = new HashMap<>();

  /** The highest index of a write acknowledged so far. */
  private long maxAcknowledgedIndex;

  /** Reads in flight: request id to the acknowledged index they must reflect. */
  private final Map<Long, Long> readFloor = new HashMap<>();

  private long nextReadId = 1;

  private final int foundingMembers;

  /** Indexes of membership changes (after the founding ones) applied somewhere. */
  private final Set<Long> confChangesApplied = new HashSet<>();

  /** One event in virtual time; ties break by creation order, keeping runs deterministic. */
  private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  /** A member: its durable disk survives crashes; everything else is rebuilt on restart. */
  private static final class SimNode {
    final long id;
    final ConfState bootstrap;
    MemoryStorage disk;
    RaftNode raft;
    int incarnation;
    Ready writing;

    /** The state machine: every entry applied, from index 1. */
    final List<Entry> applied = new ArrayList<>();

    SimNode(long id, ConfState bootstrap) {
      this.id = id;
      this.bootstrap = bootstrap;
      this.disk = new MemoryStorage(bootstrap);
    }

    boolean up() {
      return raft != null;
    }

    long appliedIndex() {
      return applied.isEmpty() ? 0 : applied.get(applied.size() - 1).index();
    }
  }

  /**
   * Creates a cluster of {@code size} voters with ids 1..size, all up and connected, and {@code
   * spares} more ids that are down and not members (they can be added later).
   *
   * @param seed drives every random choice of this simulation
   * @param config the node configuration (its id is replaced per node)
   * @param network the network behaviour
   * @param maxDiskDelayMs the longest a disk write takes, in virtual milliseconds
   * @param snapshotEvery each node snapshots after applying this many entries (0: never)
   * @param tracing whether to keep a trace of events for failure reports
   */
  Simulation(
      int size,
      int spares,
      long seed,
      RaftConfig config,
      SimNetwork network,
      int maxDiskDelayMs,
      int snapshotEvery,
      boolean tracing) {
    this.seed = seed;
    this.random = new Random(seed);
    this.baseConfig = config;
    this.network = network;
    this.maxDiskDelayMs = maxDiskDelayMs;
    this.snapshotEvery = snapshotEvery;
    this.tracing = tracing;
    this.invariants = new Invariants();
    this.foundingMembers = size;
    Set<Long> voters = new TreeSet<>();
    for (long id = 1; id <= size; id++) {
      voters.add(id);
    }
    for (long id = 1; id <= size + spares; id++) {
      ids.add(id);
      SimNode n = new SimNode(id, ConfState.EMPTY);
      if (id <= size) {
        n.disk = MemoryStorage.bootstrap(voters);
      }
      nodes.put(id, n);
    }
    for (long id = 1; id <= size; id++) {
      start(nodes.get(id));
    }
  }

  /** A cluster with the default Raft configuration and a quiet network (1–3 ms, no loss). */
  public static Simulation create(int size, long seed) {
    return new Simulation(
        size, 0, seed, RaftConfig.defaults(1), new SimNetwork(0, 0, 1, 3), 2, 0, false);
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** Runs events until virtual time has advanced by {@code ticks} ticks. */
  public void runTicks(long ticks) {
    long until = now + ticks * TICK_MS;
    long budget = MAX_EVENTS_PER_TICK * ticks;
    while (!events.isEmpty() && events.peek().time() <= until) {
      Event e = events.poll();
      now = e.time();
      e.action().run();
      if (--budget < 0) {
        throw new InvariantViolation(
            "Bounded work",
            "more than "
                + MAX_EVENTS_PER_TICK
                + " events per tick: a message storm\n"
                + describeState());
      }
    }
    now = until;
  }

  private void at(long delayMs, Runnable action) {
    events.add(new Event(now + delayMs, eventSeq++, action));
  }

  private void trace(String line) {
    if (tracing) {
      String entry = now + "ms " + line;
      if (!trace.isEmpty() && trace.get(trace.size() - 1).startsWith(entry)) {
        return; // a storm of identical events is shown once
      }
      trace.add(entry);
      if (trace.size() > TRACE_LINES) {
        trace.remove(0);
      }
    }
  }

  private void count(String what) {
    counters.merge(what, 1L, Long::sum);
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  private void start(SimNode n) {
    n.incarnation++;
    n.applied.clear();
    Snapshot snap = n.disk.snapshot();
    if (!snap.isEmpty()) {
      n.applied.addAll(decodeState(snap.data()));
    }
    n.raft =
        new RaftNode(
            baseConfig.withId(n.id), n.disk, new Random(seed * 31 + n.id * 7919 + n.incarnation));
    n.writing = null;
    invariants.nodeStarted(n.id, n.disk.hardState());
    int inc = n.incarnation;
    // Clocks of different nodes are not in phase.
    at(1 + random.nextInt(TICK_MS), () -> tickLoop(n, inc));
    drive(n);
  }

  /**
   * What survives a crash: the last snapshot, the entries after it, and the hard state, loaded into
   * fresh storage as a restarting server would.
   */
  private static MemoryStorage recover(SimNode n) {
    MemoryStorage old = n.disk;
    MemoryStorage fresh = new MemoryStorage(n.bootstrap);
    Snapshot snap = old.snapshot();
    long after = old.firstIndex() - 1;
    if (!snap.isEmpty() && snap.metadata().index() >= old.firstIndex() - 1) {
      fresh.applySnapshot(snap);
      after = snap.metadata().index();
    }
    if (old.lastIndex() > after) {
      fresh.append(old.entries(after + 1, old.lastIndex() + 1, Long.MAX_VALUE));
    }
    fresh.setHardState(old.hardState());
    return fresh;
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
      count("rejected-" + e.reason().name().toLowerCase(java.util.Locale.ROOT));
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
    if (n.raft.role() == Role.LEADER) {
      for (Entry e : rd.entries()) {
        if (e.type() == EntryType.CONF_CHANGE && e.term() == n.raft.term()) {
          invariants.confChangeAppended(n.id, NodeView.of(n.raft), e, n.appliedIndex());
        }
      }
    }
    for (Message m : rd.messages()) {
      send(m);
    }
    int inc = n.incarnation;
    long delay = rd.mustSync() ? 1 + random.nextInt(maxDiskDelayMs) : 0;
    at(delay, () -> finishWrite(n, inc, rd));
  }

  // Identity on purpose: the write finishing must be the very Ready the node is writing.
  @SuppressWarnings("ReferenceEquality")
  private void finishWrite(SimNode n, int inc, Ready rd) {
    if (n.incarnation != inc || n.writing != rd) {
      return;
    }
    n.writing = null;
    if (!rd.snapshot().isEmpty()) {
      n.disk.applySnapshot(rd.snapshot());
      count("snapshots-installed");
    }
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
    if (!rd.snapshot().isEmpty()) {
      n.applied.clear();
      for (Entry e : decodeState(rd.snapshot().data())) {
        invariants.applied(n.id, e);
        n.applied.add(e);
      }
    }
    for (Entry e : rd.committedEntries()) {
      apply(n, e);
    }
    for (ReadState r : rd.readStates()) {
      checkRead(n, r);
    }
    if (rd.compactTo() > 0) {
      n.disk.compact(Math.min(rd.compactTo(), n.disk.lastIndex()));
    }
    guard(n, () -> n.raft.advance(rd));
    maybeSnapshot(n);
  }

  private void apply(SimNode n, Entry e) {
    invariants.applied(n.id, e);
    n.applied.add(e);
    if (e.type() == EntryType.CONF_CHANGE) {
      if (e.index() > foundingMembers && confChangesApplied.add(e.index())) {
        count("conf-changes-committed");
      }
      trace("node " + n.id + " applies " + Describe.entry(e));
    } else if (e.data().length > 0) {
      Long at = proposedAt.get(new String(e.data(), StandardCharsets.UTF_8));
      if (at != null && at == n.id) {
        maxAcknowledgedIndex = Math.max(maxAcknowledgedIndex, e.index());
      }
    }
  }

  /**
   * A read released at index r must reflect every write acknowledged before the read began (thesis
   * §6.4), i.e. r is at least the index of each of them.
   */
  private void checkRead(SimNode n, ReadState r) {
    Long floor = readFloor.remove(r.requestId());
    if (floor == null) {
      return;
    }
    count("reads-released");
    if (r.index() < floor) {
      throw new InvariantViolation(
          "Linearizable reads",
          "node "
              + n.id
              + " released read "
              + r.requestId()
              + " at index "
              + r.index()
              + " but a write at index "
              + floor
              + " was acknowledged before the read began");
    }
  }

  private void maybeSnapshot(SimNode n) {
    if (snapshotEvery <= 0 || !n.up() || n.applied.isEmpty()) {
      return;
    }
    long applied = n.appliedIndex();
    if (applied - n.disk.snapshot().metadata().index() < snapshotEvery) {
      return;
    }
    Entry last = n.applied.get(n.applied.size() - 1);
    Snapshot snap =
        new Snapshot(
            new SnapshotMetadata(applied, last.term(), n.raft.conf()), encodeState(n.applied));
    n.disk.setSnapshot(snap);
    n.raft.snapshotTaken(applied);
    count("snapshots-taken");
    drive(n);
  }

  private static byte[] encodeState(List<Entry> applied) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeInt(applied.size());
      for (Entry e : applied) {
        out.writeLong(e.index());
        out.writeLong(e.term());
        out.writeByte(e.type().code());
        out.writeInt(e.data().length);
        out.write(e.data());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  private static List<Entry> decodeState(byte[] data) {
    List<Entry> out = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        long index = in.readLong();
        long term = in.readLong();
        EntryType type = EntryType.ofCode(in.readByte());
        byte[] d = new byte[in.readInt()];
        in.readFully(d);
        out.add(new Entry(term, index, type, d));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private void observe(SimNode n) {
    if (n.up()) {
      invariants.observe(n.id, NodeView.of(n.raft), this::leaders);
    }
  }

  private void send(Message m) {
    count("messages");
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
    count("crashes");
    n.raft = null;
    n.writing = null;
    n.incarnation++;
    n.disk = recover(n);
  }

  /** Restarts a crashed node from its disk; a spare that never ran stays down. */
  public void restart(long id) {
    SimNode n = nodes.get(id);
    if (n.up() || n.incarnation == 0) {
      return;
    }
    trace("restart " + id);
    start(n);
  }

  /**
   * Wipes a spare or removed node and starts it empty, to be added as a new member: its log and
   * membership arrive from the leader.
   */
  private void startEmpty(long id) {
    SimNode old = nodes.get(id);
    SimNode fresh = new SimNode(id, ConfState.EMPTY);
    fresh.incarnation = old.incarnation + 1;
    nodes.put(id, fresh);
    invariants.nodeWiped(id);
    start(fresh);
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
    count("proposals");
    proposedAt.putIfAbsent(data, id);
    guard(n, () -> n.raft.propose(data.getBytes(StandardCharsets.UTF_8)));
  }

  /** Starts a linearizable read at node {@code id}. */
  public void read(long id) {
    SimNode n = nodes.get(id);
    if (!n.up()) {
      return;
    }
    long rid = nextReadId++;
    readFloor.put(rid, maxAcknowledgedIndex);
    count("reads");
    guard(n, () -> n.raft.readIndex(rid));
  }

  /** Asks the leader {@code id} to hand leadership to {@code target}. */
  public void transfer(long id, long target) {
    SimNode n = nodes.get(id);
    if (!n.up() || n.raft.role() != Role.LEADER || !n.raft.conf().voters().contains(target)) {
      return;
    }
    trace("transfer " + id + " -> " + target);
    count("transfers");
    guard(n, () -> n.raft.transferLeadership(target));
  }

  /**
   * Proposes a membership change at the leader {@code id}. A node added as learner that is not a
   * member now is wiped and started empty first.
   */
  public void changeMembership(long id, ConfChange change) {
    SimNode n = nodes.get(id);
    if (!n.up() || n.raft.role() != Role.LEADER) {
      return;
    }
    ConfState conf = n.raft.conf();
    long target = change.nodeId();
    if (change.type() == ConfChange.Type.ADD_LEARNER && !conf.contains(target)) {
      SimNode t = nodes.get(target);
      if (t.up()) {
        crash(target);
      }
      startEmpty(target);
    }
    trace("propose " + change + " at " + id);
    count("conf-changes-proposed");
    guard(n, () -> n.raft.proposeConfChange(change));
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

  /** Whether node {@code id} ever ran. */
  public boolean everStarted(long id) {
    return nodes.get(id).incarnation > 0;
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
   * The leader of the highest term that a majority of the voters of its own membership follow, or 0
   * if there is none.
   */
  public long agreedLeader() {
    long best = 0;
    long bestTerm = -1;
    for (SimNode l : nodes.values()) {
      if (!l.up() || l.raft.role() != Role.LEADER || l.raft.term() <= bestTerm) {
        continue;
      }
      Set<Long> voters = l.raft.conf().voters();
      int following = 0;
      for (long v : voters) {
        SimNode n = nodes.get(v);
        if (n != null && n.up() && n.raft.leader() == l.id) {
          following++;
        }
      }
      if (following > voters.size() / 2) {
        best = l.id;
        bestTerm = l.raft.term();
      }
    }
    return best;
  }

  /** The members (voters and learners) of the agreed leader's membership, or all ids. */
  public Set<Long> members() {
    long leader = agreedLeader();
    return leader == 0 ? new TreeSet<>(ids) : nodes.get(leader).raft.conf().all();
  }

  /** The data of the normal entries node {@code id} applied, in order. */
  public List<String> applied(long id) {
    List<String> out = new ArrayList<>();
    for (Entry e : nodes.get(id).applied) {
      if (e.type() == EntryType.NORMAL && e.data().length > 0) {
        out.add(new String(e.data(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** Whether every up member has applied an entry with {@code data}. */
  public boolean appliedEverywhere(String data) {
    for (long id : members()) {
      SimNode n = nodes.get(id);
      if (n != null && n.up() && !applied(n.id).contains(data)) {
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

  /** Counters of what happened in the run (proposals, crashes, snapshots, reads, ...). */
  public Map<String, Long> counters() {
    Map<String, Long> out = new java.util.TreeMap<>(counters);
    out.put("terms-with-leader", (long) invariants.leaderTerms());
    out.put("max-commit", invariants.maxCommitted());
    return out;
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
          .append(
              n.up()
                  ? Describe.status(n.raft.status())
                      + " conf="
                      + n.raft.conf().voters()
                      + (n.raft.conf().learners().isEmpty()
                          ? ""
                          : " learners=" + n.raft.conf().learners())
                  : n.id + ": DOWN")
          .append('\n');
    }
    return sb.toString();
  }

  /** Runs a final consistency check over all up members (call when the cluster has converged). */
  public void checkConverged(Consumer<String> onProblem) {
    List<Long> up = new ArrayList<>();
    for (long id : members()) {
      if (nodes.get(id).up()) {
        up.add(id);
      }
    }
    invariants.checkAppliedPrefixes(up, this::applied, onProblem);
  }
}

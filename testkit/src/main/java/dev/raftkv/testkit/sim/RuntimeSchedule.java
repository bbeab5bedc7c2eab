package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.runtime.NodeDriver;
import dev.raftkv.runtime.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A seeded schedule that runs the real node loop ({@link NodeDriver}, as the server runs it) on
 * virtual time, with applies done in line: clients propose and read through the driver's futures
 * over a lossy, partitioned network while members crash and restart from their storage. It checks
 * that every read reflects every write acknowledged before it began, that every acknowledged write
 * is applied on every member in the end, and that all members applied the same sequence.
 */
public final class RuntimeSchedule {
  private static final int TICK_MS = Simulation.TICK_MS;

  private final long seed;
  private final int size;
  private final int faultTicks;
  private final Random rnd;
  private final SimNetwork net;
  private final PriorityQueue<long[]> queue =
      new PriorityQueue<>(
          (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
  private final List<Runnable> actions = new ArrayList<>();
  private final Map<Long, Member> members = new HashMap<>();
  private final Set<String> acknowledged = new LinkedHashSet<>();
  private final Map<String, Long> ackedAt = new HashMap<>();
  private long now;
  private long seq;
  private long maxAckedIndex;
  private int writes;
  private int readsChecked;

  /** A state machine that keeps the payloads in order. */
  private static final class ListMachine implements StateMachine {
    final List<String> values = new ArrayList<>();
    long applied;

    @Override
    public List<?> apply(List<Entry> entries) {
      for (Entry e : entries) {
        if (e.type() == EntryType.NORMAL && e.data().length > 0) {
          values.add(new String(e.data(), StandardCharsets.UTF_8));
        }
        applied = e.index();
      }
      return java.util.Collections.nCopies(entries.size(), null);
    }

    @Override
    public long appliedIndex() {
      return applied;
    }

    @Override
    public byte[] snapshot() {
      return String.join("\n", values).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void restore(Snapshot snapshot) {
      values.clear();
      String s = new String(snapshot.data(), StandardCharsets.UTF_8);
      if (!s.isEmpty()) {
        values.addAll(Arrays.asList(s.split("\n")));
      }
      applied = snapshot.metadata().index();
    }
  }

  private final class Member {
    final long id;
    final MemoryStorage disk;
    ListMachine machine;
    NodeDriver driver;
    int incarnation;

    Member(long id, MemoryStorage disk) {
      this.id = id;
      this.disk = disk;
    }
  }

  public RuntimeSchedule(long seed, int size, int faultTicks) {
    this.seed = seed;
    this.size = size;
    this.faultTicks = faultTicks;
    this.rnd = new Random(seed);
    this.net = new SimNetwork(rnd.nextInt(3) * 0.03, rnd.nextInt(2) * 0.05, 1, 2 + rnd.nextInt(8));
  }

  /**
   * Runs the schedule.
   *
   * @throws InvariantViolation if a property fails
   */
  public void run() {
    Set<Long> voters = new TreeSet<>();
    for (long id = 1; id <= size; id++) {
      voters.add(id);
    }
    for (long id : voters) {
      members.put(id, new Member(id, MemoryStorage.bootstrap(voters)));
      start(members.get(id));
    }
    List<Long> ids = new ArrayList<>(voters);
    for (int tick = 0; tick < faultTicks; tick++) {
      if (rnd.nextInt(2) == 0) {
        write(ids.get(rnd.nextInt(ids.size())));
      }
      if (rnd.nextInt(3) == 0) {
        read(ids.get(rnd.nextInt(ids.size())));
      }
      if (rnd.nextInt(40) == 0) {
        switch (rnd.nextInt(4)) {
          case 0 -> crash(members.get(ids.get(rnd.nextInt(ids.size()))));
          case 1 -> net.isolate(ids.get(rnd.nextInt(ids.size())), ids);
          case 2 -> {
            net.heal();
            members
                .values()
                .forEach(
                    m -> {
                      if (m.driver == null) {
                        start(m);
                      }
                    });
          }
          default -> crash(leaderOr(ids.get(0)));
        }
      }
      runFor(TICK_MS);
    }
    net.heal();
    net.lossRate = 0;
    members
        .values()
        .forEach(
            m -> {
              if (m.driver == null) {
                start(m);
              }
            });
    String marker = "final";
    for (int i = 0; i < 400 && !appliedEverywhere(marker); i++) {
      if (i % 20 == 0) {
        write(leaderOr(ids.get(0)).id, marker);
      }
      runFor(TICK_MS);
    }
    if (!appliedEverywhere(marker)) {
      StringBuilder state = new StringBuilder();
      for (Member m : members.values()) {
        state
            .append("\n  ")
            .append(m.id)
            .append(": ")
            .append(m.driver == null ? "DOWN" : m.driver.status())
            .append(" applied=")
            .append(m.machine.applied)
            .append(" disk=")
            .append(m.disk.firstIndex())
            .append("..")
            .append(m.disk.lastIndex());
      }
      throw new InvariantViolation(
          "Liveness", "a write after healing was not applied everywhere within 400 ticks" + state);
    }
    List<String> reference = members.get(1L).machine.values;
    for (Member m : members.values()) {
      if (!m.machine.values.equals(reference)) {
        throw new InvariantViolation(
            "State Machine Safety", "members 1 and " + m.id + " applied different sequences");
      }
      for (String w : acknowledged) {
        if (!m.machine.values.contains(w)) {
          throw new InvariantViolation(
              "Durability", "acknowledged write " + w + " is missing on member " + m.id);
        }
      }
    }
  }

  /** What the run did, for reports. */
  public String summary() {
    return "writes=" + writes + " acknowledged=" + acknowledged.size() + " reads=" + readsChecked;
  }

  private Member leaderOr(long fallback) {
    for (Member m : members.values()) {
      if (m.driver != null && m.driver.status().role() == Role.LEADER) {
        return m;
      }
    }
    return members.get(fallback);
  }

  private boolean appliedEverywhere(String value) {
    return members.values().stream().allMatch(m -> m.machine.values.contains(value));
  }

  private void start(Member m) {
    m.incarnation++;
    m.machine = new ListMachine();
    RaftConfig config = RaftConfig.defaults(m.id).withSnapshots(64, 1);
    m.driver =
        new NodeDriver(
            config,
            m.disk,
            m.machine,
            this::send,
            Runnable::run,
            6,
            new Random(seed + m.id * 31 + m.incarnation));
    int inc = m.incarnation;
    at(1 + rnd.nextInt(TICK_MS), () -> tickLoop(m, inc));
  }

  private void crash(Member m) {
    if (m.driver != null) {
      m.driver.stop();
      m.driver = null;
    }
  }

  private void tickLoop(Member m, int inc) {
    if (m.driver == null || m.incarnation != inc) {
      return;
    }
    m.driver.tick();
    pump(m);
    at(TICK_MS, () -> tickLoop(m, inc));
  }

  private void pump(Member m) {
    try {
      while (m.driver != null && m.driver.hasPending()) {
        m.driver.runPending(0);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (m.driver != null && m.driver.failure() != null) {
      throw new InvariantViolation("No failure in the node loop", m.driver.failure().toString());
    }
  }

  private void send(Message m) {
    if (!net.connected(m.from(), m.to()) || rnd.nextDouble() < net.lossRate) {
      return;
    }
    int copies = rnd.nextDouble() < net.duplicateRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      at(
          net.delay(rnd),
          () -> {
            Member to = members.get(m.to());
            if (to != null && to.driver != null && net.connected(m.from(), m.to())) {
              to.driver.deliver(m);
              pump(to);
            }
          });
    }
  }

  private void write(long at) {
    write(at, "w" + writes);
  }

  private void write(long at, String value) {
    Member m = members.get(at);
    if (m.driver == null) {
      return;
    }
    writes++;
    m.driver
        .propose(value.getBytes(StandardCharsets.UTF_8))
        .thenAccept(
            applied -> {
              long index = applied.index();
              acknowledged.add(value);
              ackedAt.putIfAbsent(value, index);
              maxAckedIndex = Math.max(maxAckedIndex, index);
            });
    pump(m);
  }

  private void read(long at) {
    Member m = members.get(at);
    if (m.driver == null) {
      return;
    }
    long floor = maxAckedIndex;
    m.driver
        .readIndex()
        .thenAccept(
            index -> {
              readsChecked++;
              if (index < floor) {
                throw new InvariantViolation(
                    "Linearizable reads",
                    "a read at member "
                        + at
                        + " was served at index "
                        + index
                        + " below an acknowledged write at "
                        + floor);
              }
            });
    pump(m);
  }

  private void at(long delay, Runnable action) {
    actions.add(action);
    queue.add(new long[] {now + delay, seq++, actions.size() - 1});
  }

  private void runFor(long ms) {
    long until = now + ms;
    while (!queue.isEmpty() && queue.peek()[0] <= until) {
      long[] e = queue.poll();
      now = e[0];
      Runnable r = actions.set((int) e[2], null);
      r.run();
    }
    now = until;
  }
}

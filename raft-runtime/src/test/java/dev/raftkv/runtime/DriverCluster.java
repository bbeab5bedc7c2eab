package dev.raftkv.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * {@link NodeDriver}s driven by hand in one thread (applies in line, a message queue as the
 * network): each test decides when members tick, run and hear from each other.
 */
final class DriverCluster {
  final Map<Long, MemoryStorage> disks = new TreeMap<>();
  final Map<Long, NodeDriver> drivers = new TreeMap<>();
  private final ArrayDeque<Message> network = new ArrayDeque<>();

  /** Messages for which this answers true are lost. */
  Predicate<Message> dropped = m -> false;

  /** Returns each entry's payload as its result, as the KV store returns each request's. */
  static final class EchoMachine implements StateMachine {
    long applied;

    @Override
    public List<?> apply(List<Entry> entries) {
      List<String> out = new ArrayList<>();
      for (Entry e : entries) {
        boolean data = e.type() == EntryType.NORMAL && e.data().length > 0;
        out.add(data ? new String(e.data(), StandardCharsets.UTF_8) : null);
        applied = e.index();
      }
      return out;
    }

    @Override
    public long appliedIndex() {
      return applied;
    }

    @Override
    public byte[] snapshot() {
      return new byte[0];
    }

    @Override
    public void restore(Snapshot snapshot) {
      applied = snapshot.metadata().index();
    }
  }

  /** Bootstraps {@code voters} on empty disks and starts each (seeded with its id). */
  DriverCluster(Set<Long> voters) {
    for (long id : voters) {
      disks.put(id, MemoryStorage.bootstrap(new TreeSet<>(voters)));
      start(id, id);
    }
  }

  /** Starts (or restarts) member {@code id} on its disk with randomness seeded by {@code seed}. */
  void start(long id, long seed) {
    drivers.put(
        id,
        new NodeDriver(
            RaftConfig.defaults(id),
            disks.get(id),
            new EchoMachine(),
            network::add,
            Runnable::run,
            0,
            new Random(seed)));
  }

  /** Ticks until a leader is elected and every member applied its first entry; returns it. */
  long elect() {
    long leader = tickUntil(() -> leaderAmong(drivers.keySet()), 500);
    tickUntil(() -> appliedEverywhere(disks.get(leader).lastIndex()) ? 1L : 0L, 100);
    return leader;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  long leaderAmong(Set<Long> ids) {
    for (long id : ids) {
      NodeDriver d = drivers.get(id);
      if (d != null && d.status().role() == Role.LEADER) {
        return id;
      }
    }
    return 0;
  }

  boolean appliedEverywhere(long index) {
    return drivers.values().stream().allMatch(d -> d.appliedIndex() >= index);
  }

  /** Ticks every driver (pumping after each tick) until {@code until} answers non-zero. */
  long tickUntil(LongSupplier until, int maxTicks) {
    for (int i = 0; i < maxTicks; i++) {
      long v = until.getAsLong();
      if (v != 0) {
        return v;
      }
      drivers.values().forEach(NodeDriver::tick);
      pump();
    }
    long v = until.getAsLong();
    assertThat(v).as("condition within " + maxTicks + " ticks").isNotZero();
    return v;
  }

  /** Runs every driver and delivers messages until nothing moves. */
  void pump() {
    boolean moved = true;
    for (int round = 0; moved; round++) {
      assertThat(round).as("pump rounds").isLessThan(10_000);
      moved = false;
      for (NodeDriver d : drivers.values()) {
        while (d.hasPending()) {
          try {
            d.runPending(0);
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          moved = true;
        }
        assertThat(d.failure()).isNull();
      }
      while (!network.isEmpty()) {
        Message m = network.poll();
        NodeDriver to = drivers.get(m.to());
        if (to != null && !dropped.test(m)) {
          to.deliver(m);
          moved = true;
        }
      }
    }
  }
}

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
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Three {@link NodeDriver}s driven by hand in one thread (applies in line, a message queue as the
 * network), for what happens across a member's restart.
 */
class NodeDriverRestartTest {
  private static final Set<Long> VOTERS = Set.of(1L, 2L, 3L);

  private final Map<Long, MemoryStorage> disks = new TreeMap<>();
  private final Map<Long, NodeDriver> drivers = new TreeMap<>();
  private final ArrayDeque<Message> network = new ArrayDeque<>();
  private Predicate<Message> dropped = m -> false;

  /** Returns each entry's payload as its result, as the KV store returns each request's. */
  private static final class EchoMachine implements StateMachine {
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

  /**
   * Found by the production-loop simulator (`raftkv simulate --loop production`, first as seed 684
   * of 3 nodes): request ids restarted at 1 in every incarnation, so an entry proposed by a
   * member's previous incarnation, committed after its restart, completed the new incarnation's
   * proposal that happened to get the same id, with the old entry's index and result. The client
   * was told its write was applied when another one was, and its own might still be lost.
   */
  @Test
  void anEntryOfThePreviousIncarnationDoesNotCompleteANewProposal() {
    for (long id : VOTERS) {
      disks.put(id, MemoryStorage.bootstrap(new TreeSet<>(VOTERS)));
      start(id, id);
    }
    long leader = tickUntil(() -> leaderAmong(drivers.keySet()), 500);
    tickUntil(() -> appliedEverywhere(disks.get(leader).lastIndex()) ? 1L : 0L, 100);

    // The leader's first proposal reaches the followers, their acknowledgements never reach it,
    // and it crashes: the entry is in the followers' logs, not committed.
    dropped = m -> m.to() == leader;
    CompletableFuture<Applied> old = drivers.get(leader).propose(bytes("old"));
    pump();
    long oldIndex = disks.get(leader).lastIndex();
    drivers.remove(leader).stop();
    assertThat(old).isCompletedExceptionally();

    // The others elect a leader, which commits the entry.
    dropped = m -> false;
    Set<Long> others = new TreeSet<>(VOTERS);
    others.remove(leader);
    long next = tickUntil(() -> leaderAmong(others), 500);
    tickUntil(() -> drivers.get(next).status().commit() >= oldIndex ? 1L : 0L, 100);

    // The member restarts (from all it had: MemoryStorage loses nothing) with fresh randomness,
    // as a server seeds it anew. It learns the leader from a heartbeat before it learns that the
    // old entry is committed, and proposes again: this incarnation's first request.
    start(leader, 100 + leader);
    dropped = m -> m.to() == leader && !(m instanceof Message.Heartbeat);
    tickUntil(() -> drivers.get(leader).status().leader(), 100);
    assertThat(drivers.get(leader).appliedIndex()).isLessThan(oldIndex);
    CompletableFuture<Applied> fresh = drivers.get(leader).propose(bytes("new"));
    pump();
    dropped = m -> false;
    tickUntil(() -> fresh.isDone() ? 1L : 0L, 200);

    assertThat(drivers.get(leader).appliedIndex()).isGreaterThanOrEqualTo(oldIndex);
    Applied applied = fresh.join();
    assertThat(applied.result()).isEqualTo("new");
    assertThat(applied.index()).isGreaterThan(oldIndex);
  }

  private void start(long id, long seed) {
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

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private long leaderAmong(Set<Long> ids) {
    for (long id : ids) {
      NodeDriver d = drivers.get(id);
      if (d != null && d.status().role() == Role.LEADER) {
        return id;
      }
    }
    return 0;
  }

  private boolean appliedEverywhere(long index) {
    return drivers.values().stream().allMatch(d -> d.appliedIndex() >= index);
  }

  /** Ticks every driver (pumping after each tick) until {@code until} answers non-zero. */
  private long tickUntil(LongSupplier until, int maxTicks) {
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
  private void pump() {
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

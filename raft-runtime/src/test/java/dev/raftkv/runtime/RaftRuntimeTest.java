package dev.raftkv.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.Bootstrap;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.LogStore;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Role;
import dev.raftkv.storage.DiskStorage;
import dev.raftkv.storage.StorageOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three runtimes on real threads, wired by an in-memory router. Waits poll with a deadline; no
 * assertion depends on how fast this machine is.
 */
class RaftRuntimeTest {
  private static final Set<Long> VOTERS = Set.of(1L, 2L, 3L);
  private static final Duration TICK = Duration.ofMillis(10);

  @TempDir Path dir;

  private final Map<Long, RaftRuntime> runtimes = new ConcurrentHashMap<>();
  private final Map<Long, LogStore> stores = new HashMap<>();
  private final Map<Long, ListStateMachine> machines = new HashMap<>();
  private final Set<Long> cutOff = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicInteger readRequestsToDrop =
      new java.util.concurrent.atomic.AtomicInteger();

  /** A member whose sends throw an {@link Error} on its node loop (0: none). */
  private volatile long errorOnSendFrom;

  @AfterEach
  void stop() throws Exception {
    for (RaftRuntime r : runtimes.values()) {
      r.close();
    }
    for (LogStore s : stores.values()) {
      if (s instanceof AutoCloseable c) {
        c.close();
      }
    }
  }

  private void route(Message m) {
    if (m.from() == errorOnSendFrom) {
      throw new OutOfMemoryError("test: no heap left on member " + m.from());
    }
    if (m instanceof dev.raftkv.raft.Message.ReadIndexRequest
        && readRequestsToDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return;
    }
    RaftRuntime to = runtimes.get(m.to());
    if (to != null && !cutOff.contains(m.to()) && !cutOff.contains(m.from())) {
      to.deliver(m);
    }
  }

  private void start(long id, long snapshotEvery) {
    machines.put(id, new ListStateMachine());
    RaftConfig config = RaftConfig.defaults(id).withSnapshots(64, 2);
    runtimes.put(
        id,
        new RaftRuntime(
            config,
            stores.get(id),
            machines.get(id),
            this::route,
            RaftRuntime.threadTicker(),
            TICK,
            snapshotEvery,
            new Random(id)));
  }

  private void startMemoryCluster(long snapshotEvery) {
    for (long id : VOTERS) {
      stores.put(id, MemoryStorage.bootstrap(VOTERS));
      start(id, snapshotEvery);
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private long awaitLeader() throws InterruptedException {
    long[] leader = new long[1];
    await(
        "a leader",
        () -> {
          for (RaftRuntime r : runtimes.values()) {
            if (!cutOff.contains(r.id()) && r.status().role() == Role.LEADER) {
              leader[0] = r.id();
              return true;
            }
          }
          return false;
        });
    return leader[0];
  }

  private long write(long at, String value) throws Exception {
    return runtimes
        .get(at)
        .propose(value.getBytes(StandardCharsets.UTF_8))
        .get(20, TimeUnit.SECONDS)
        .index();
  }

  private void awaitEverywhere(String value) throws InterruptedException {
    await(
        value + " applied on every running member",
        () ->
            runtimes.keySet().stream()
                .filter(id -> !cutOff.contains(id))
                .allMatch(id -> machines.get(id).values().contains(value)));
  }

  @Test
  void proposalsOnLeaderAndFollowerAreAppliedEverywhereInOneOrder() throws Exception {
    startMemoryCluster(0);
    long leader = awaitLeader();
    long follower = VOTERS.stream().filter(id -> id != leader).findFirst().orElseThrow();
    long i1 = write(leader, "a");
    long i2 = write(follower, "b");
    assertThat(i2).isGreaterThan(i1);
    awaitEverywhere("b");
    for (long id : VOTERS) {
      assertThat(machines.get(id).values()).containsExactly("a", "b");
    }
  }

  @Test
  void anErrorThatKillsTheNodeLoopIsReportedAndFailsWhatWaits() throws Exception {
    startMemoryCluster(0);
    long leader = awaitLeader();
    long follower = VOTERS.stream().filter(id -> id != leader).findFirst().orElseThrow();
    RaftRuntime r = runtimes.get(follower);
    assertThat(r.failed()).isNotDone();
    errorOnSendFrom = follower; // its loop dies at its next send (an answer to the leader)
    Throwable cause = r.failed().get(20, TimeUnit.SECONDS);
    assertThat(cause).isInstanceOf(OutOfMemoryError.class).hasMessageContaining("no heap left");
    assertThat(r.failure()).hasMessageContaining("node loop error").hasCause(cause);
    assertThatThrownBy(() -> r.propose(new byte[] {1}).get(20, TimeUnit.SECONDS))
        .hasMessageContaining("failed");
    // The others go on without it.
    errorOnSendFrom = 0;
    cutOff.add(follower);
    write(leader, "after");
    awaitEverywhere("after");
  }

  @Test
  void aStateMachineThatCannotApplyStopsTheRuntimeAndAppliesNothingMore() throws Exception {
    startMemoryCluster(0);
    long leader = awaitLeader();
    long follower = VOTERS.stream().filter(id -> id != leader).findFirst().orElseThrow();
    write(leader, "before");
    awaitEverywhere("before");
    RaftRuntime r = runtimes.get(follower);
    machines.get(follower).failOn("full");
    write(leader, "full");
    Throwable cause = r.failed().get(20, TimeUnit.SECONDS);
    assertThat(cause).hasMessageContaining("apply failed").hasMessageContaining("No space left");
    // The others go on; the failed member applies nothing after the batch that failed.
    cutOff.add(follower);
    write(leader, "after");
    awaitEverywhere("after");
    assertThat(machines.get(follower).values()).containsExactly("before");
    assertThatThrownBy(() -> r.propose(new byte[] {1}).get(20, TimeUnit.SECONDS))
        .hasMessageContaining("failed");
  }

  @Test
  void aRuntimeClosedNormallyNeverReportsAFailure() throws Exception {
    startMemoryCluster(0);
    write(awaitLeader(), "x");
    RaftRuntime r = runtimes.remove(1L);
    r.close();
    assertThat(r.failed()).isNotDone();
  }

  @Test
  void readIndexOnAFollowerSeesEveryAcknowledgedWrite() throws Exception {
    startMemoryCluster(0);
    long leader = awaitLeader();
    long follower = VOTERS.stream().filter(id -> id != leader).findFirst().orElseThrow();
    long index = write(leader, "x");
    long readAt = runtimes.get(follower).readIndex().get(20, TimeUnit.SECONDS);
    assertThat(readAt).isGreaterThanOrEqualTo(index);
    assertThat(machines.get(follower).values()).contains("x");
  }

  @Test
  void aReadWhoseRequestIsLostIsAskedForAgain() throws Exception {
    startMemoryCluster(0);
    long leader = awaitLeader();
    long follower = VOTERS.stream().filter(id -> id != leader).findFirst().orElseThrow();
    long index = write(leader, "x");
    readRequestsToDrop.set(1); // the follower's request for a read index is lost on the way
    long readAt = runtimes.get(follower).readIndex().get(20, TimeUnit.SECONDS);
    assertThat(readRequestsToDrop.get()).isZero();
    assertThat(readAt).isGreaterThanOrEqualTo(index);
  }

  @Test
  void aNewLeaderTakesOverAndTheOldOneCatchesUpAfterRestart() throws Exception {
    startMemoryCluster(5);
    long old = awaitLeader();
    for (int i = 0; i < 12; i++) {
      write(old, "v" + i);
    }
    runtimes.remove(old).close();
    long next = awaitLeader();
    assertThat(next).isNotEqualTo(old);
    for (int i = 12; i < 24; i++) {
      write(next, "v" + i);
    }
    // Restart from its storage with an empty state machine: it rebuilds from snapshot + log.
    start(old, 5);
    awaitEverywhere("v23");
    assertThat(machines.get(old).values()).isEqualTo(machines.get(next).values());
    assertThat(machines.get(old).values()).hasSize(24);
  }

  @Test
  void aFarBehindMemberReceivesTheSnapshot() throws Exception {
    startMemoryCluster(4);
    long leader = awaitLeader();
    long lagging = VOTERS.stream().filter(id -> id != leader).findFirst().orElseThrow();
    cutOff.add(lagging);
    for (int i = 0; i < 30; i++) {
      write(leader, "s" + i);
    }
    await(
        "the leader to compact its log",
        () -> stores.get(leader).firstIndex() > stores.get(lagging).lastIndex() + 1);
    cutOff.remove(lagging);
    awaitEverywhere("s29");
    assertThat(stores.get(lagging).snapshot().isEmpty()).isFalse();
    assertThat(machines.get(lagging).values()).isEqualTo(machines.get(leader).values());
  }

  @Test
  void everyAcknowledgedWriteSurvivesAWholeClusterRestartOnDisk() throws Exception {
    for (long id : VOTERS) {
      stores.put(
          id,
          DiskStorage.open(
              dir.resolve("m" + id),
              StorageOptions.DEFAULT.withSegmentBytes(1 << 20),
              7,
              id,
              ConfState.ofVoters(VOTERS)));
      start(id, 0);
    }
    long leader = awaitLeader();
    Set<String> acked = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      write(leader, "d" + i);
      acked.add("d" + i);
    }
    for (long id : VOTERS) {
      runtimes.remove(id).close();
      ((DiskStorage) stores.remove(id)).close();
    }
    for (long id : VOTERS) {
      stores.put(
          id,
          DiskStorage.open(
              dir.resolve("m" + id),
              StorageOptions.DEFAULT.withSegmentBytes(1 << 20),
              7,
              id,
              ConfState.ofVoters(VOTERS)));
      start(id, 0);
    }
    await(
        "every acknowledged write re-applied everywhere",
        () -> VOTERS.stream().allMatch(id -> machines.get(id).values().containsAll(acked)));
    long next = awaitLeader();
    write(next, "after-restart");
    awaitEverywhere("after-restart");
  }

  /** A member's disk storage bootstrapped as the server does: founders as log entries. */
  private DiskStorage openAsServer(long id) {
    DiskStorage s =
        DiskStorage.open(
            dir.resolve("s" + id),
            StorageOptions.DEFAULT.withSegmentBytes(1 << 20),
            7,
            id,
            ConfState.EMPTY);
    if (s.lastIndex() == 0) {
      s.append(Bootstrap.entries(VOTERS));
      s.setHardState(Bootstrap.hardState(VOTERS));
      s.syncNow();
    }
    return s;
  }

  /**
   * Regression (found by {@code raftkv chaos}): members bootstrapped with their founders in the
   * log, restarted after their own snapshots compacted those entries away, must still know they are
   * voters and elect a leader. They used to come back with an empty membership and never campaign.
   */
  @Test
  void membersBootstrappedInTheLogElectALeaderAfterARestartPastTheirSnapshots() throws Exception {
    for (long id : VOTERS) {
      stores.put(id, openAsServer(id));
      start(id, 16);
    }
    long leader = awaitLeader();
    for (int i = 0; i < 60; i++) {
      write(leader, "s" + i);
    }
    awaitEverywhere("s59");
    await(
        "every member to compact its founding entries away",
        () -> VOTERS.stream().allMatch(id -> stores.get(id).firstIndex() > VOTERS.size() + 1));
    for (long id : VOTERS) {
      runtimes.remove(id).close();
      ((DiskStorage) stores.remove(id)).close();
    }
    for (long id : VOTERS) {
      stores.put(id, openAsServer(id));
      start(id, 16);
    }
    for (long id : VOTERS) {
      assertThat(runtimes.get(id).status().conf().voters()).isEqualTo(VOTERS);
    }
    long next = awaitLeader();
    write(next, "after-restart");
    awaitEverywhere("after-restart");
  }

  @Test
  void withoutAQuorumProposalsAreRejectedForWantOfALeader() throws Exception {
    startMemoryCluster(0);
    long leader = awaitLeader();
    for (long id : VOTERS) {
      if (id != leader) {
        cutOff.add(id);
      }
    }
    // CheckQuorum: the isolated leader steps down; then nobody can be elected.
    await(
        "the isolated leader to step down",
        () -> runtimes.get(leader).status().role() != Role.LEADER);
    assertThatThrownBy(() -> runtimes.get(leader).propose(new byte[] {1}).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ProposalRejectedException.class);
  }
}

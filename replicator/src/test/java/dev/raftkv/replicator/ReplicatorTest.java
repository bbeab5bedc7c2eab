package dev.raftkv.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed document 000's test setup: five Replicators on loopback, started from a {@code config.json}
 * in the seed's own format, partitioned with {@code detach()} and healed with {@code attach()}.
 * Waits poll with a deadline; only the "nothing happens for a second" checks sleep that long.
 */
class ReplicatorTest {
  private static final long WAIT_SECONDS = 15;

  /**
   * The transport reports every connect and disconnect at INFO, for operators; tests show warnings
   * only. Held in a field: java.util.logging keeps loggers weakly.
   */
  private static final Logger TRANSPORT_LOG = Logger.getLogger("dev.raftkv.transport");

  static {
    TRANSPORT_LOG.setLevel(Level.WARNING);
  }

  @TempDir Path dir;

  private final Map<Long, Replicator> nodes = new LinkedHashMap<>();

  @AfterEach
  void closeAll() {
    // In parallel: each close waits for its transport's threads.
    CompletableFuture.allOf(
            nodes.values().stream()
                .map(r -> CompletableFuture.runAsync(r::close))
                .toArray(CompletableFuture[]::new))
        .join();
  }

  /**
   * The seed's example config, with the given pids and port base. The seed's example has timeOutMin
   * 100; 200 (ticks of 20 ms, a CheckQuorum window of 200 ms) keeps a leader in place through the
   * scheduling stalls of five members on two busy cores.
   */
  private Path writeConfig(String peersPid, int startAddress) throws IOException {
    Path f = dir.resolve("config.json");
    Files.writeString(
        f,
        "\t{\n\n        \"selfHandle\":\"tcp://127.0.0.1:\", \n\n"
            + "        \"peersPid\": \""
            + peersPid
            + "\",\n\n        \"peersHandle\":\"tcp://127.0.0.1:\",\n\n"
            + "        \"startAddress\":"
            + startAddress
            + ",\n\n        \"startMsgId\":1000,\n\n        \"bufSize\":5000,\n\n"
            + "\t\"timeOutMin\":200,\n\n\t\"timeOutRand\":200\n\n\t}\n");
    return f;
  }

  /** A base port such that base+1 .. base+count can all be bound on loopback right now. */
  private static int freePortBase(int count) {
    return LoopbackPorts.allocateBase(count);
  }

  private void startFive() throws IOException {
    Path config = writeConfig("1,2,3,4,5", freePortBase(5));
    for (int pid = 1; pid <= 5; pid++) {
      nodes.put((long) pid, Replicator.create(config, pid));
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private List<Replicator> attached() {
    return nodes.values().stream().filter(r -> !r.isDetached()).collect(Collectors.toList());
  }

  /** Waits until every attached member knows the same leader, which is attached and leads. */
  private long awaitAgreedLeader() throws InterruptedException {
    long[] leader = new long[1];
    await(
        "all attached members agreeing on a leader; now " + nodes.values(),
        () -> {
          List<Replicator> live = attached();
          long l = live.get(0).leaderId();
          if (l == 0 || nodes.get(l).isDetached() || !nodes.get(l).isLeader()) {
            return false;
          }
          leader[0] = l;
          return live.stream().allMatch(r -> r.leaderId() == l);
        });
    return leader[0];
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> strings(Replicator r) {
    return r.applied().stream()
        .map(b -> new String(b, StandardCharsets.UTF_8))
        .collect(Collectors.toList());
  }

  private long commit(long at, String value) throws Exception {
    return nodes.get(at).propose(bytes(value)).get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private void awaitAppliedOnAttached(String value) throws InterruptedException {
    await(
        value + " applied on every attached member",
        () -> attached().stream().allMatch(r -> strings(r).contains(value)));
  }

  private void awaitSameAppliedAs(long follower, long leader) throws InterruptedException {
    await(
        follower + " applying what " + leader + " applied",
        () -> strings(nodes.get(follower)).equals(strings(nodes.get(leader))));
  }

  private long someFollower(long leader) {
    return nodes.keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
  }

  @Test
  void fiveMembersElectOneLeaderAndItsHeartbeatsKeepIt() throws Exception {
    startFive();
    long leader = awaitAgreedLeader();
    long term = nodes.get(leader).term();

    Thread.sleep(1_000); // quiet: only heartbeats flow

    for (Replicator r : nodes.values()) {
      assertThat(r.leaderId()).as("leader seen by %s", r).isEqualTo(leader);
      assertThat(r.term()).as("term of %s", r).isEqualTo(term);
    }
    assertThat(nodes.get(leader).isLeader()).isTrue();
    assertThat(nodes.values().stream().filter(Replicator::isLeader).count()).isEqualTo(1);
  }

  @Test
  void aDetachedFollowerDoesNotStopTheOthersAndCatchesUpOnAttach() throws Exception {
    startFive();
    long leader = awaitAgreedLeader();
    long follower = someFollower(leader);
    commit(leader, "before");
    awaitAppliedOnAttached("before");

    nodes.get(follower).detach();
    commit(leader, "while-detached-1");
    long other =
        nodes.keySet().stream()
            .filter(id -> id != leader && id != follower)
            .findFirst()
            .orElseThrow();
    commit(other, "while-detached-2"); // a follower forwards it to the leader
    awaitAppliedOnAttached("while-detached-2");
    assertThat(awaitAgreedLeader()).isEqualTo(leader);
    assertThat(strings(nodes.get(follower))).doesNotContain("while-detached-1");

    nodes.get(follower).attach();
    awaitSameAppliedAs(follower, leader);
    assertThat(strings(nodes.get(follower)))
        .containsExactly("before", "while-detached-1", "while-detached-2");
    assertThat(awaitAgreedLeader()).isEqualTo(leader);
  }

  @Test
  void aDetachedLeaderIsReplacedStepsDownAndFollowsTheNewLeaderOnAttach() throws Exception {
    startFive();
    long old = awaitAgreedLeader();
    long oldTerm = nodes.get(old).term();
    nodes.get(old).detach();

    long fresh = awaitAgreedLeader();
    assertThat(fresh).isNotEqualTo(old);
    assertThat(nodes.get(fresh).term()).isGreaterThan(oldTerm);
    // CheckQuorum: cut off from every peer, the old leader notices it leads no one.
    await(
        "the detached old leader to know of no leader",
        () -> !nodes.get(old).isLeader() && nodes.get(old).leaderId() == 0);
    commit(fresh, "under-new-leader");

    nodes.get(old).attach();
    await(
        "the old leader to follow the new one",
        () -> nodes.get(old).leaderId() == fresh && !nodes.get(old).isLeader());
    awaitSameAppliedAs(old, fresh);
    assertThat(strings(nodes.get(old))).contains("under-new-leader");
  }

  @Test
  void withoutAQuorumNothingCommitsAndProgressResumesOnAttach() throws Exception {
    startFive();
    long leader = awaitAgreedLeader();
    List<Long> cut =
        nodes.keySet().stream().filter(id -> id != leader).limit(3).collect(Collectors.toList());
    for (long id : cut) {
      nodes.get(id).detach();
    }

    CompletableFuture<Long> stuck = nodes.get(leader).propose(bytes("no-quorum"));
    try {
      stuck.get(1, TimeUnit.SECONDS);
      throw new AssertionError("a proposal committed with three of five members detached");
    } catch (TimeoutException | ExecutionException expected) {
      // not committed: still pending, or refused once the leader stepped down
    }
    for (Replicator r : nodes.values()) {
      assertThat(strings(r)).as("applied on %s", r).doesNotContain("no-quorum");
    }

    for (long id : cut) {
      nodes.get(id).attach();
    }
    long now = awaitAgreedLeader();
    commitWithRetry("after-heal");
    awaitAppliedOnAttached("after-heal");
    for (Replicator r : nodes.values()) {
      awaitSameAppliedAs(r.id(), now);
    }
  }

  /** Proposes at whichever member leads, again if a leader change loses or refuses it. */
  private void commitWithRetry(String value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      long leader = awaitAgreedLeader();
      try {
        nodes.get(leader).propose(bytes(value)).get(2, TimeUnit.SECONDS);
        return;
      } catch (TimeoutException | ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not commit " + value, e);
        }
      }
    }
  }

  @Test
  void aSingleMemberLeadsAloneAndRefusesProposalsOnceClosed() throws Exception {
    Path config = writeConfig("1", freePortBase(1));
    Replicator r = Replicator.create(config, 1);
    nodes.put(1L, r);
    await("member 1 to lead alone", () -> r.isLeader() && r.leaderId() == 1);
    long index = r.propose(bytes("alone")).get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(r.appliedIndex()).isGreaterThanOrEqualTo(index);
    assertThat(strings(r)).containsExactly("alone");

    r.close();
    r.close(); // idempotent
    assertThatThrownBy(() -> r.propose(bytes("late")).get(WAIT_SECONDS, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aPortInUseIsAnIOExceptionNamingTheAddress() throws Exception {
    int base = freePortBase(1);
    Path config = writeConfig("1,2", base);
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), base + 1));
      assertThatThrownBy(() -> Replicator.create(config, 1))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(String.valueOf(base + 1));
    }
  }

  @Test
  void aPidMissingFromPeersPidIsRefusedByName() throws Exception {
    Path config = writeConfig("1,2,3", 5000);
    assertThatThrownBy(() -> Replicator.create(config, 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pid 7")
        .hasMessageContaining("peersPid")
        .hasMessageContaining("1,2,3");
  }

  @Test
  void aBadConfigIsRefusedNamingTheField() throws Exception {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, "{\"selfHandle\":\"tcp://127.0.0.1:\",\"peersPid\":\"1,2\"}");
    assertThatThrownBy(() -> Replicator.create(f, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("startAddress");
  }

  @Test
  void membersOfOneConfigAgreeOnTheClusterId() {
    assertThat(Replicator.clusterId(Set.of(3L, 1L, 2L)))
        .isEqualTo(Replicator.clusterId(Set.of(1L, 2L, 3L)))
        .isNotEqualTo(Replicator.clusterId(Set.of(1L, 2L)));
  }
}

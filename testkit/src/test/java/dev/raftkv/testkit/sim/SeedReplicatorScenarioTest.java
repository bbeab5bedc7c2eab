package dev.raftkv.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Role;
import org.junit.jupiter.api.Test;

/**
 * The scenarios of seed document 000 (the leader-election "Replicator"), with 5 nodes in the
 * simulator: a leader is elected and heartbeats; {@code Detach()} one follower, then the leader,
 * then two nodes, then three, and {@code Attach()} them again. The original author reported that
 * partitioning one or more servers was still buggy; here every step converges.
 */
class SeedReplicatorScenarioTest {
  private static final int ELECTION_TIMEOUTS = 10 * 20;

  private final Simulation sim = Simulation.create(5, 42);
  private int proposal;

  private long awaitLeader() {
    for (int i = 0; i < ELECTION_TIMEOUTS; i++) {
      long leader = sim.agreedLeader();
      if (leader != 0 && !sim.detached().contains(leader)) {
        return leader;
      }
      sim.runTicks(1);
    }
    throw new AssertionError("no leader agreed by a majority:\n" + sim.describeState());
  }

  /** Proposes at the leader and waits until every attached node applied it. */
  private void assertProgress() {
    long leader = awaitLeader();
    String data = "v" + proposal++;
    sim.propose(leader, data);
    for (int i = 0; i < ELECTION_TIMEOUTS; i++) {
      boolean all = true;
      for (long id : sim.ids()) {
        if (!sim.detached().contains(id) && !sim.applied(id).contains(data)) {
          all = false;
        }
      }
      if (all) {
        return;
      }
      sim.runTicks(1);
    }
    throw new AssertionError(data + " not applied on every attached node:\n" + sim.describeState());
  }

  private long aFollower(long leader) {
    return sim.ids().stream().filter(id -> id != leader).findFirst().orElseThrow();
  }

  @Test
  void electsLeaderThatKeepsHeartbeating() {
    long leader = awaitLeader();
    long term = sim.status(leader).term();
    sim.runTicks(500);
    // Heartbeats hold the leadership: no election happened in 5 seconds of quiet.
    assertThat(sim.agreedLeader()).isEqualTo(leader);
    assertThat(sim.status(leader).term()).isEqualTo(term);
    for (long id : sim.ids()) {
      assertThat(sim.status(id).leader()).isEqualTo(leader);
    }
  }

  @Test
  void detachAndAttachOneFollower() {
    long leader = awaitLeader();
    long follower = aFollower(leader);
    sim.detach(follower);
    assertProgress();
    assertThat(sim.agreedLeader()).isEqualTo(leader);
    sim.attach(follower);
    assertProgress();
    assertThat(sim.applied(follower)).isEqualTo(sim.applied(leader));
  }

  @Test
  void detachTheLeaderThenAttachIt() {
    long old = awaitLeader();
    sim.detach(old);
    long next = awaitLeader();
    assertThat(next).isNotEqualTo(old);
    assertProgress();
    // CheckQuorum: the cut-off leader stepped down by itself.
    sim.runTicks(30);
    assertThat(sim.status(old).role()).isNotEqualTo(Role.LEADER);
    sim.attach(old);
    assertProgress();
    assertThat(sim.status(old).leader()).isEqualTo(sim.agreedLeader());
  }

  @Test
  void detachTwoNodesKeepsProgressThenAttach() {
    long leader = awaitLeader();
    sim.detach(leader);
    sim.detach(aFollower(leader));
    assertProgress();
    for (long id : sim.ids()) {
      sim.attach(id);
    }
    assertProgress();
  }

  @Test
  void detachThreeNodesStopsProgressUntilAttached() {
    awaitLeader();
    sim.detach(1);
    sim.detach(2);
    sim.detach(3);
    sim.runTicks(50);
    for (long id : sim.ids()) {
      sim.propose(id, "no-majority");
    }
    sim.runTicks(300);
    for (long id : sim.ids()) {
      assertThat(sim.applied(id)).doesNotContain("no-majority");
      assertThat(sim.status(id).role()).isNotEqualTo(Role.LEADER);
    }
    for (long id : sim.ids()) {
      sim.attach(id);
    }
    assertProgress();
    sim.checkConverged(
        problem -> {
          throw new AssertionError(problem);
        });
  }
}

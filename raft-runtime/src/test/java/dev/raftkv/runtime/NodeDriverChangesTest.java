package dev.raftkv.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.Role;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Membership changes and leadership transfers complete when they happen: a change once this member
 * applied it, a transfer once the target leads; anything asked after stop fails at once.
 */
class NodeDriverChangesTest {
  private final DriverCluster c = new DriverCluster(Set.of(1L, 2L, 3L));

  @Test
  void aChangeCompletesWhenThisMemberAppliesIt() {
    long leader = c.elect();
    long follower = leader == 1 ? 2 : 1;
    // Proposed through a follower: it is forwarded, and completes when the follower applies it.
    c.dropped = m -> m.to() == follower && m instanceof Message.AppendRequest;
    CompletableFuture<Void> f =
        c.drivers.get(follower).changeMembership(new ConfChange(ConfChange.Type.ADD_LEARNER, 4));
    c.pump();
    assertThat(c.drivers.get(leader).status().conf().learners()).contains(4L);
    assertThat(f).as("committed, not yet applied on the follower").isNotDone();

    c.dropped = m -> false;
    c.tickUntil(() -> f.isDone() ? 1 : 0, 50);
    assertThat(f).isCompleted();
    assertThat(c.drivers.get(follower).status().conf().learners()).contains(4L);
  }

  @Test
  void aChangeTheMembershipRefusesFailsWithTheReason() {
    long leader = c.elect();
    long voter = leader == 1 ? 2 : 1;
    CompletableFuture<Void> f =
        c.drivers.get(leader).changeMembership(new ConfChange(ConfChange.Type.ADD_LEARNER, voter));
    c.tickUntil(() -> f.isDone() ? 1 : 0, 50);
    assertThat(f)
        .failsWithin(java.time.Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(IllegalArgumentException.class)
        .withMessageContaining("cannot become a learner");
  }

  @Test
  void aTransferCompletesWhenTheTargetLeads() {
    long leader = c.elect();
    long target = leader == 3 ? 2 : 3;
    CompletableFuture<Void> f = c.drivers.get(leader).transferLeadership(target);
    c.tickUntil(() -> f.isDone() ? 1 : 0, 50);
    assertThat(f).isCompleted();
    assertThat(c.drivers.get(target).status().role()).isEqualTo(Role.LEADER);
    assertThat(c.drivers.get(leader).status().leader()).isEqualTo(target);
  }

  @Test
  void aTransferTheTargetCannotTakeFailsAfterAnElectionTimeout() {
    long leader = c.elect();
    long target = leader == 3 ? 2 : 3;
    c.dropped = m -> m.to() == target; // the target never hears of it
    CompletableFuture<Void> f = c.drivers.get(leader).transferLeadership(target);
    c.pump();
    assertThat(f).isNotDone();
    c.tickUntil(() -> f.isDone() ? 1 : 0, 100);
    assertThat(f)
        .failsWithin(java.time.Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(LeaderTransferException.class)
        .withMessageContaining("abandoned");
    assertThat(c.drivers.get(leader).status().role()).isEqualTo(Role.LEADER);
  }

  @Test
  void onlyTheLeaderTransfers() {
    long leader = c.elect();
    long follower = leader == 1 ? 2 : 1;
    CompletableFuture<Void> f = c.drivers.get(follower).transferLeadership(leader);
    c.pump();
    assertThat(f).isCompletedExceptionally();
    assertThat(f.handle((v, e) -> e).join()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void whatIsAskedAfterStopFailsAtOnce() {
    long leader = c.elect();
    NodeDriver d = c.drivers.remove(leader);
    d.stop();
    for (CompletableFuture<?> f :
        java.util.List.of(
            d.changeMembership(new ConfChange(ConfChange.Type.ADD_LEARNER, 4)),
            d.transferLeadership(leader == 3 ? 2 : 3),
            d.propose(DriverCluster.bytes("x")),
            d.readIndex())) {
      assertThat(f).isCompletedExceptionally();
      assertThat(f.handle((v, e) -> e instanceof CompletionException ? e.getCause() : e).join())
          .hasMessageContaining("stopped");
    }
  }

  @Test
  void whatWaitsWhenTheDriverStopsFails() {
    long leader = c.elect();
    long target = leader == 3 ? 2 : 3;
    c.dropped = m -> true;
    NodeDriver d = c.drivers.get(leader);
    CompletableFuture<Void> change = d.changeMembership(new ConfChange(ConfChange.Type.REMOVE, 3));
    CompletableFuture<Void> transfer = d.transferLeadership(target);
    c.pump();
    assertThat(change).isNotDone();
    assertThat(transfer).isNotDone();
    d.stop();
    assertThat(change).isCompletedExceptionally();
    assertThat(transfer).isCompletedExceptionally();
  }
}

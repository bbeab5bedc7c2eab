package dev.raftkv.runtime;

import static dev.raftkv.runtime.DriverCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Message;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Three {@link NodeDriver}s ({@link DriverCluster}), for what happens across a member's restart.
 */
class NodeDriverRestartTest {
  private static final Set<Long> VOTERS = Set.of(1L, 2L, 3L);

  /**
   * Found by the production-loop simulator (`raftkv simulate --loop production`, first as seed 684
   * of 3 nodes): request ids restarted at 1 in every incarnation, so an entry proposed by a
   * member's previous incarnation, committed after its restart, completed the new incarnation's
   * proposal that happened to get the same id, with the old entry's index and result. The client
   * was told its write was applied when another one was, and its own might still be lost.
   */
  @Test
  void anEntryOfThePreviousIncarnationDoesNotCompleteANewProposal() {
    DriverCluster c = new DriverCluster(VOTERS);
    long leader = c.elect();

    // The leader's first proposal reaches the followers, their acknowledgements never reach it,
    // and it crashes: the entry is in the followers' logs, not committed.
    c.dropped = m -> m.to() == leader;
    CompletableFuture<Applied> old = c.drivers.get(leader).propose(bytes("old"));
    c.pump();
    long oldIndex = c.disks.get(leader).lastIndex();
    c.drivers.remove(leader).stop();
    assertThat(old).isCompletedExceptionally();

    // The others elect a leader, which commits the entry.
    c.dropped = m -> false;
    Set<Long> others = new TreeSet<>(VOTERS);
    others.remove(leader);
    long next = c.tickUntil(() -> c.leaderAmong(others), 500);
    c.tickUntil(() -> c.drivers.get(next).status().commit() >= oldIndex ? 1L : 0L, 100);

    // The member restarts (from all it had: MemoryStorage loses nothing) with fresh randomness,
    // as a server seeds it anew. It learns the leader from a heartbeat before it learns that the
    // old entry is committed, and proposes again: this incarnation's first request.
    c.start(leader, 100 + leader);
    c.dropped = m -> m.to() == leader && !(m instanceof Message.Heartbeat);
    c.tickUntil(() -> c.drivers.get(leader).status().leader(), 100);
    assertThat(c.drivers.get(leader).appliedIndex()).isLessThan(oldIndex);
    CompletableFuture<Applied> fresh = c.drivers.get(leader).propose(bytes("new"));
    c.pump();
    c.dropped = m -> false;
    c.tickUntil(() -> fresh.isDone() ? 1L : 0L, 200);

    assertThat(c.drivers.get(leader).appliedIndex()).isGreaterThanOrEqualTo(oldIndex);
    Applied applied = fresh.join();
    assertThat(applied.result()).isEqualTo("new");
    assertThat(applied.index()).isGreaterThan(oldIndex);
  }
}

package dev.raftkv.raft.paper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.ProgressState;
import dev.raftkv.raft.RaftNode;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Flow control of AppendEntries (thesis §10.2.1 "pipelining" and §10.2.2 "batching"; etcd's
 * probe/replicate states): how many appends a leader has in flight to one follower, and how big.
 */
class FlowControlTest {

  private static Net net(int maxInflight, long maxMessageBytes) {
    return Net.of(
        3,
        1,
        c ->
            c.withPreVoteAndCheckQuorum(false, false)
                .withFlowControl(maxInflight, maxMessageBytes));
  }

  private static List<AppendRequest> appendsTo(Net net, long to, int from) {
    return net.sentOf(AppendRequest.class).stream()
        .skip(from)
        .filter(a -> a.to() == to)
        .collect(Collectors.toList());
  }

  /**
   * In PROBE state (the leader does not know where the follower's log matches) the leader sends one
   * append and waits for its answer before sending another.
   */
  @Test
  void probeStateSendsOneAppendAndWaits() {
    Net net = net(256, 1 << 20);
    net.isolate(3);
    RaftNode leader = net.elect(1);
    int mark = net.sentOf(AppendRequest.class).size();
    assertThat(leader.status().progress().get(3L).state()).isEqualTo(ProgressState.PROBE);

    net.propose(1, "a");
    net.propose(1, "b");
    net.propose(1, "c");

    assertThat(appendsTo(net, 3, mark)).as("paused until the probe is answered").isEmpty();
    assertThat(appendsTo(net, 2, mark)).hasSizeGreaterThanOrEqualTo(3);

    net.heal();
    net.tick(1); // a heartbeat answer shows node 3 is back and unpauses it
    net.deliverAll();
    assertThat(net.node(3).lastIndex()).isEqualTo(leader.lastIndex());
    assertThat(leader.status().progress().get(3L).state()).isEqualTo(ProgressState.REPLICATE);
  }

  /**
   * In REPLICATE state the leader pipelines appends without waiting for answers, up to maxInflight
   * unanswered ones; then it pauses.
   */
  @Test
  void replicateStatePipelinesUpToMaxInflightThenPauses() {
    Net net = net(3, 1);
    RaftNode leader = net.elect(1);
    assertThat(leader.status().progress().get(2L).state()).isEqualTo(ProgressState.REPLICATE);
    net.drop(m -> m instanceof AppendResponse && m.from() == 2);
    int mark = net.sentOf(AppendRequest.class).size();

    for (int i = 0; i < 6; i++) {
      net.propose(1, "p" + i);
    }

    List<AppendRequest> toTwo = appendsTo(net, 2, mark);
    assertThat(toTwo.stream().filter(a -> !a.entries().isEmpty()).count())
        .as(Net.describe(toTwo))
        .isEqualTo(3);
    assertThat(leader.status().progress().get(2L).inflight()).isEqualTo(3);
    assertThat(appendsTo(net, 3, mark).stream().filter(a -> !a.entries().isEmpty()).count())
        .as("node 3 answers, so it gets every entry")
        .isEqualTo(6);

    net.heal();
    net.tickAll(10);
    assertThat(net.node(2).lastIndex()).isEqualTo(leader.lastIndex());
  }

  /** Batching: the entries of one append fit in maxMessageBytes (a single entry always goes). */
  @Test
  void appendEntriesRespectMaxMessageBytes() {
    long max = 150; // an entry with 40 bytes of data accounts for 64: two fit, three do not
    Net net = net(256, max);
    RaftNode leader = net.elect(1);
    net.isolate(2);
    for (int i = 0; i < 7; i++) {
      net.propose(1, "x".repeat(39) + i);
    }
    int mark = net.sentOf(AppendRequest.class).size();

    net.heal();
    net.tickAll(10);

    List<AppendRequest> toTwo = appendsTo(net, 2, mark);
    assertThat(net.node(2).lastIndex()).as(Net.describe(toTwo)).isEqualTo(leader.lastIndex());
    assertThat(toTwo)
        .as(Net.describe(toTwo))
        .allMatch(
            a ->
                a.entries().size() <= 1
                    || a.entries().stream().mapToLong(Entry::sizeBytes).sum() <= max);
    assertThat(toTwo).anyMatch(a -> a.entries().size() == 2);
  }
}

package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerQueueTest {

  private static final int MIB = 1 << 20;

  /** Entry data that counts exactly one MiB (with the entry's 32) against the byte bound. */
  private static final byte[] SLICE = new byte[MIB - 32];

  private static Message heartbeat(long context) {
    return new Message.Heartbeat(1, 2, 1, 0, context);
  }

  /**
   * An AppendRequest that counts exactly {@code bytes} (at least 96) against the byte bound; its
   * entries share one array, so it costs about a MiB of heap whatever it weighs.
   */
  private static Message weighing(long bytes) {
    long rest = bytes - 64;
    List<Entry> entries = new ArrayList<>();
    while (rest >= MIB + 32) {
      entries.add(Entry.normal(1, entries.size() + 1, SLICE));
      rest -= MIB;
    }
    entries.add(Entry.normal(1, entries.size() + 1, new byte[(int) rest - 32]));
    return new Message.AppendRequest(1, 2, 1, 0, 0, entries, 0);
  }

  @Test
  void theTestMessagesWeighWhatTheySay() {
    assertThat(MessageCodec.estimateSize(weighing(96))).isEqualTo(96);
    assertThat(MessageCodec.estimateSize(weighing(PeerQueue.MAX_BYTES))).isEqualTo(64L << 20);
    assertThat(MessageCodec.estimateSize(heartbeat(0))).isEqualTo(64);
  }

  @Test
  void takesUpToCapacityMessagesAndGivesThemBackInOrder() {
    PeerQueue q = new PeerQueue(3);
    assertThat(q.isEmpty()).isTrue();
    for (int i = 0; i < 3; i++) {
      assertThat(q.offer(heartbeat(i))).isEqualTo(PeerQueue.Offered.QUEUED);
    }
    assertThat(q.offer(heartbeat(3))).isEqualTo(PeerQueue.Offered.FULL_COUNT);
    assertThat(q.poll()).isEqualTo(heartbeat(0));
    assertThat(q.offer(heartbeat(4))).isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(q.poll()).isEqualTo(heartbeat(1));
    assertThat(q.poll()).isEqualTo(heartbeat(2));
    assertThat(q.poll()).isEqualTo(heartbeat(4));
    assertThat(q.poll()).isNull();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void holdsAtMostMaxBytesButAlwaysTakesOneMessage() {
    PeerQueue q = new PeerQueue(100);
    assertThat(q.offer(weighing(PeerQueue.MAX_BYTES - 64))).isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(q.offer(heartbeat(1))).as("exactly MAX_BYTES").isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(q.offer(heartbeat(2))).isEqualTo(PeerQueue.Offered.FULL_BYTES);
    q.poll();
    assertThat(q.offer(heartbeat(2)))
        .as("a poll frees its bytes")
        .isEqualTo(PeerQueue.Offered.QUEUED);

    PeerQueue empty = new PeerQueue(100);
    assertThat(empty.offer(weighing(2 * PeerQueue.MAX_BYTES)))
        .as("one message alone, however large")
        .isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(empty.offer(heartbeat(1))).isEqualTo(PeerQueue.Offered.FULL_BYTES);
  }

  @Test
  void aRefusedMessageCountsNoBytes() {
    PeerQueue q = new PeerQueue(1);
    assertThat(q.offer(heartbeat(0))).isEqualTo(PeerQueue.Offered.QUEUED);
    Message big = weighing(PeerQueue.MAX_BYTES / 2);
    for (int i = 0; i < 10; i++) {
      assertThat(q.offer(big)).isEqualTo(PeerQueue.Offered.FULL_COUNT);
    }
    q.poll();
    assertThat(q.offer(heartbeat(1))).isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(q.poll()).isEqualTo(heartbeat(1));
    assertThat(q.offer(weighing(PeerQueue.MAX_BYTES))).isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(q.clear()).isEqualTo(1);

    PeerQueue bytes = new PeerQueue(10);
    bytes.offer(weighing(PeerQueue.MAX_BYTES));
    for (int i = 0; i < 10; i++) {
      assertThat(bytes.offer(big)).isEqualTo(PeerQueue.Offered.FULL_BYTES);
    }
    bytes.poll();
    assertThat(bytes.offer(weighing(PeerQueue.MAX_BYTES)))
        .as("refusals left nothing counted")
        .isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(bytes.offer(heartbeat(1))).isEqualTo(PeerQueue.Offered.FULL_BYTES);
  }

  @Test
  void clearDropsEverythingSaysHowMuchAndFreesTheBytes() {
    PeerQueue q = new PeerQueue(10);
    q.offer(weighing(PeerQueue.MAX_BYTES - 64));
    q.offer(heartbeat(1));
    q.offer(heartbeat(2)); // refused: full in bytes
    assertThat(q.clear()).isEqualTo(2);
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.clear()).isZero();
    assertThat(q.offer(weighing(PeerQueue.MAX_BYTES - 64))).isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(q.offer(heartbeat(3))).isEqualTo(PeerQueue.Offered.QUEUED);
    assertThat(q.capacity()).isEqualTo(10);
  }
}

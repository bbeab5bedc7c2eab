package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.Message;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryTransportTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private final InMemoryNetwork network = new InMemoryNetwork();
  private final Inbox in1 = new Inbox();
  private final Inbox in2 = new Inbox();
  private final InMemoryTransport t1 = network.transport(1, in1);
  private final InMemoryTransport t2 = network.transport(2, in2);

  @AfterEach
  void close() {
    t1.close();
    t2.close();
    network.close();
  }

  /** Sends a marker each way and waits for both, so everything sent before has been handled. */
  private void settle() {
    t1.send(new Message.TimeoutNow(1, 2, -1));
    t2.send(new Message.TimeoutNow(2, 1, -1));
    Inbox.await(
        Duration.ofMillis(300),
        () -> in1.count(m -> m.term() == -1) > 0 && in2.count(m -> m.term() == -1) > 0);
  }

  @Test
  void deliversInOrderWithTheSameMessages() {
    t1.start();
    t2.start();
    List<Message> each = new RandomMessages(3).oneOfEach(1, 2);
    t1.sendAll(each);
    assertThat(Inbox.await(WAIT, () -> in2.size() == each.size())).isTrue();
    assertThat(in2.all()).containsExactlyElementsOf(each);
    assertThat(t1.stats().sent()).isEqualTo(each.size());
    assertThat(t2.stats().received()).isEqualTo(each.size());
  }

  @Test
  void blockedLinksDropUntilUnblocked() {
    t1.start();
    t2.start();
    network.blockOneWay(1, 2);
    t1.send(new Message.Heartbeat(1, 2, 1, 0, 1));
    t2.send(new Message.HeartbeatResponse(2, 1, 1, 1));
    assertThat(Inbox.await(WAIT, () -> in1.size() == 1)).isTrue();
    assertThat(in2.size()).isZero();
    assertThat(t1.stats().droppedUnreachable()).isEqualTo(1);

    network.block(1, 2);
    t2.send(new Message.HeartbeatResponse(2, 1, 1, 2));
    network.unblock(1, 2);
    t1.send(new Message.Heartbeat(1, 2, 1, 0, 3));
    assertThat(Inbox.await(WAIT, () -> in2.size() == 1)).isTrue();
    assertThat(in1.size()).isEqualTo(1);
  }

  @Test
  void detachedMembersNeitherSendNorReceive() {
    t1.start();
    t2.start();
    t2.detach();
    t1.send(new Message.Heartbeat(1, 2, 1, 0, 1));
    t2.send(new Message.HeartbeatResponse(2, 1, 1, 1));
    assertThat(t2.stats().droppedDetached()).as("one each way").isEqualTo(2);
    t2.attach();
    settle();
    assertThat(in2.count(m -> m.term() != -1)).isZero();
    assertThat(in1.count(m -> m.term() != -1)).isZero();
    t1.send(new Message.Heartbeat(1, 2, 1, 0, 2));
    assertThat(Inbox.await(WAIT, () -> in2.count(m -> m.term() == 1) == 1)).isTrue();
  }

  @Test
  void notStartedOrClosedMembersDropAndIdsAreUnique() {
    t1.send(new Message.TimeoutNow(1, 2, 1));
    assertThat(t1.stats().droppedUnreachable()).isEqualTo(1);
    assertThatThrownBy(() -> network.transport(1, new Inbox()))
        .isInstanceOf(IllegalStateException.class);
    t1.start();
    t2.close();
    t1.send(new Message.TimeoutNow(1, 2, 1));
    assertThat(t1.stats().droppedUnreachable()).isEqualTo(2);
    assertThat(in2.size()).isZero();
  }
}

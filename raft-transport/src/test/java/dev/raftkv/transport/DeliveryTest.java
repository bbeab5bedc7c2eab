package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class DeliveryTest {

  private final Counters counters = new Counters();
  private final List<Message> handled = new ArrayList<>();
  private static final Message M = new Message.TimeoutNow(2, 1, 7);

  @Test
  void withoutAnExecutorTheHandlerRunsOnTheCallingThread() {
    new Delivery(1, handled::add, null, counters).deliver(M);
    assertThat(handled).containsExactly(M);
    assertThat(counters.snapshot().received()).isEqualTo(1);
  }

  @Test
  void withAnExecutorTheHandlerRunsThere() {
    List<Runnable> tasks = new ArrayList<>();
    new Delivery(1, handled::add, tasks::add, counters).deliver(M);
    assertThat(handled).isEmpty();
    tasks.forEach(Runnable::run);
    assertThat(handled).containsExactly(M);
    assertThat(counters.snapshot().received()).isEqualTo(1);
  }

  @Test
  void aRejectingExecutorCountsTheMessageAsDroppedUnreachable() {
    Delivery d =
        new Delivery(
            1,
            handled::add,
            task -> {
              throw new RejectedExecutionException("shut down");
            },
            counters);
    d.deliver(M);
    assertThat(handled).isEmpty();
    assertThat(counters.snapshot().received()).isEqualTo(1);
    assertThat(counters.snapshot().droppedUnreachable()).isEqualTo(1);
  }

  @Test
  void aHandlerThatThrowsDoesNotStopTheNextMessage() {
    Delivery d =
        new Delivery(
            1,
            m -> {
              handled.add(m);
              throw new IllegalStateException("boom");
            },
            null,
            counters);
    d.deliver(M);
    d.deliver(M);
    assertThat(handled).hasSize(2);
    assertThat(counters.snapshot().received()).isEqualTo(2);
  }
}

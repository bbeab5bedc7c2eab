package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestTimeoutsTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final RequestTimeouts timeouts = new RequestTimeouts(Duration.ofNanos(100), now::get);

  @Test
  void aRequestUnansweredAtItsDeadlineFailsAndAnAnsweredOneIsForgotten() {
    CompletableFuture<String> slow = timeouts.watch(new CompletableFuture<>());
    now.addAndGet(50);
    CompletableFuture<String> answered = timeouts.watch(new CompletableFuture<>());
    CompletableFuture<String> late = timeouts.watch(new CompletableFuture<>());
    answered.complete("ok");

    now.addAndGet(49); // slow is 1 ns before its deadline
    timeouts.sweep();
    assertThat(slow).isNotDone();

    now.addAndGet(1);
    timeouts.sweep();
    assertThat(slow).isCompletedExceptionally();
    assertThat(slow.handle((v, e) -> e).join()).isInstanceOf(TimeoutException.class);
    assertThat(late).isNotDone();
    assertThat(timeouts.size()).as("answered is swept with slow; late waits").isEqualTo(1);

    now.addAndGet(50);
    timeouts.sweep();
    assertThat(answered).isCompletedWithValue("ok");
    assertThat(late).isCompletedExceptionally();
    assertThat(timeouts.size()).isZero();
  }

  @Test
  void aDoneFutureIsNotWatched() {
    timeouts.watch(CompletableFuture.completedFuture(1));
    assertThat(timeouts.size()).isZero();
  }
}

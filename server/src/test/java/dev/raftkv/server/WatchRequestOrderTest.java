package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WatchRequestOrderTest {
  private final Executor direct = Runnable::run;
  private final List<String> done = new CopyOnWriteArrayList<>();

  @Test
  void requestsRunAtOnceWhenNothingWaits() {
    WatchRequestOrder order = new WatchRequestOrder(direct);
    order.run(() -> done.add("a"));
    order.runPinned(() -> done.add("b"), () -> () -> done.add("b pinned"));
    assertThat(done).containsExactly("a", "b");
  }

  @Test
  void whatArrivesBehindABarrierWaitsForItInOrderAndIsPinnedOnArrival() {
    WatchRequestOrder order = new WatchRequestOrder(direct);
    CompletableFuture<Long> barrier = new CompletableFuture<>();
    List<String> pinnedAt = new CopyOnWriteArrayList<>();
    order.runAfterBarrier(() -> barrier, () -> done.add("from a past revision"));
    order.runPinned(
        () -> done.add("from now, unpinned"),
        () -> {
          pinnedAt.add("pinned before the barrier completed: " + barrier.isDone());
          return () -> done.add("from now, pinned");
        });
    order.run(() -> done.add("cancel"));
    assertThat(done).isEmpty();
    assertThat(pinnedAt).containsExactly("pinned before the barrier completed: false");

    barrier.complete(7L);
    assertThat(done).containsExactly("from a past revision", "from now, pinned", "cancel");
    order.run(() -> done.add("after"));
    assertThat(done).endsWith("after");
  }

  @Test
  void aFailedBarrierAnswersFromLocalStateAndTwoBarriersQueue() {
    WatchRequestOrder order = new WatchRequestOrder(direct);
    CompletableFuture<Long> first = new CompletableFuture<>();
    CompletableFuture<Long> second = new CompletableFuture<>();
    order.runAfterBarrier(() -> first, () -> done.add("first"));
    order.runAfterBarrier(() -> second, () -> done.add("second"));
    order.run(() -> done.add("third"));
    first.completeExceptionally(new IllegalStateException("no leader"));
    assertThat(done).containsExactly("first");
    second.complete(1L);
    assertThat(done).containsExactly("first", "second", "third");
  }

  @Test
  void aBarrierThatNeverCompletesIsGivenUpAfterTheBound() throws Exception {
    WatchRequestOrder order = new WatchRequestOrder(direct);
    CompletableFuture<Void> ran = new CompletableFuture<>();
    long start = System.nanoTime();
    order.runAfterBarrier(CompletableFuture::new, () -> ran.complete(null));
    ran.get(WatchRequestOrder.MAX_WAIT_MILLIS * 10, TimeUnit.MILLISECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(WatchRequestOrder.MAX_WAIT_MILLIS);
  }

  @Test
  void everyBarrierStartsOnArrivalSoTheyRunAtTheSameTime() {
    WatchRequestOrder order = new WatchRequestOrder(direct);
    CompletableFuture<Long> first = new CompletableFuture<>();
    CompletableFuture<Long> second = new CompletableFuture<>();
    List<String> asked = new CopyOnWriteArrayList<>();
    order.runAfterBarrier(
        () -> {
          asked.add("first");
          return first;
        },
        () -> done.add("first"));
    order.runAfterBarrier(
        () -> {
          asked.add("second");
          return second;
        },
        () -> done.add("second"));
    assertThat(asked).containsExactly("first", "second");
    second.complete(2L); // the later one is ready first: it still waits for its turn
    assertThat(done).isEmpty();
    first.complete(1L);
    assertThat(done).containsExactly("first", "second");
  }

  @Test
  void aClosedStreamDropsWhatWaitsAndTakesNothingMore() {
    WatchRequestOrder order = new WatchRequestOrder(direct);
    CompletableFuture<Long> barrier = new CompletableFuture<>();
    order.runAfterBarrier(() -> barrier, () -> done.add("create"));
    order.run(() -> done.add("cancel"));
    order.close();
    barrier.complete(1L);
    order.run(() -> done.add("after close"));
    assertThat(done).isEmpty();
  }

  @Test
  void aRequestThatThrowsDoesNotStopTheOnesBehindIt() {
    WatchRequestOrder order = new WatchRequestOrder(direct);
    CompletableFuture<Long> barrier = new CompletableFuture<>();
    order.runAfterBarrier(
        () -> barrier,
        () -> {
          throw new IllegalStateException("the stream failed");
        });
    order.run(() -> done.add("next"));
    barrier.complete(1L);
    assertThat(done).containsExactly("next");
    order.run(() -> done.add("later"));
    assertThat(done).containsExactly("next", "later");
  }
}

package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemovedNoticeTest {

  private final RemovedNotice notice = new RemovedNotice();
  private final List<String> told = new ArrayList<>();

  @Test
  void theListenerRunsOnTheFirstReportOnly() {
    notice.accept("before any listener"); // nobody to tell
    notice.set(told::add);
    notice.accept("removed from c1");
    notice.accept("again");
    assertThat(told).containsExactly("removed from c1");

    notice.set(told::add);
    notice.accept("after a new listener");
    assertThat(told).containsExactly("removed from c1", "after a new listener");
  }

  @Test
  void aListenerThatThrowsIsSpentAndTheReportReturns() {
    notice.set(
        reason -> {
          told.add(reason);
          throw new IllegalStateException("boom");
        });
    notice.accept("removed");
    notice.accept("removed");
    assertThat(told).containsExactly("removed");
  }

  /**
   * Reports arriving on several event loops at once still run the listener once: the read and the
   * reset were two steps, so two racing reports could both run it.
   */
  @Test
  void racingReportsRunTheListenerOnce() throws Exception {
    for (int round = 0; round < 500; round++) {
      RemovedNotice n = new RemovedNotice();
      java.util.concurrent.atomic.AtomicInteger runs =
          new java.util.concurrent.atomic.AtomicInteger();
      n.set(reason -> runs.incrementAndGet());
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread th =
            new Thread(
                () -> {
                  try {
                    start.await();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  n.accept("removed");
                });
        th.start();
        threads.add(th);
      }
      for (Thread th : threads) {
        th.join();
      }
      assertThat(runs.get()).as("round " + round).isEqualTo(1);
    }
  }

  @Test
  void aNullListenerIsRefused() {
    assertThatThrownBy(() -> notice.set(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener");
  }
}

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

  @Test
  void aNullListenerIsRefused() {
    assertThatThrownBy(() -> notice.set(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener");
  }
}

package dev.raftkv.testkit.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The production-loop schedule itself: deterministic, and its checks can fail. */
class DriverScheduleTest {

  private static String outcome(long seed, int size) {
    try {
      return new DriverSchedule(seed, size, 300, false).run().toString();
    } catch (InvariantViolation e) {
      return e.getMessage();
    }
  }

  @Test
  void theSameSeedReplaysTheSameRun() {
    for (long seed = 1; seed <= 3; seed++) {
      assertThat(outcome(seed, 3)).isEqualTo(outcome(seed, 3));
    }
    assertThat(outcome(1, 5)).isNotEqualTo(outcome(2, 5));
  }

  /**
   * A disk whose fsync writes nothing (a write cache that lies): acknowledged writes, votes and the
   * log under the state machine's applied index do not survive crashes, and the checks must say so.
   * (Seeds without a crash at the wrong moment pass: 7 of these 20 fail.)
   */
  @Test
  void aDiskThatLiesAboutFsyncIsCaught() {
    int caught = 0;
    for (long seed = 1; seed <= 20; seed++) {
      try {
        new DriverSchedule(seed, 3, 300, false, DriverParams::withBrokenFsync).run();
      } catch (InvariantViolation e) {
        caught++;
      }
    }
    assertThat(caught).isGreaterThanOrEqualTo(5);
  }
}

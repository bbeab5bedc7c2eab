package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ResourceBundle;
import org.junit.jupiter.api.Test;

class LogOnceTest {

  /** What reached the logger: the level, the pattern and its parameters, unformatted. */
  private record Logged(System.Logger.Level level, String format, List<Object> params) {}

  /** A System.Logger that records, as the JDK's do only at enabled levels; below INFO is off. */
  private static final class Recorder implements System.Logger {
    final List<Logged> logged = new ArrayList<>();

    @Override
    public String getName() {
      return "test";
    }

    @Override
    public boolean isLoggable(Level level) {
      return level.getSeverity() >= Level.INFO.getSeverity();
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
      if (isLoggable(level)) {
        logged.add(new Logged(level, msg, List.of()));
      }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
      if (isLoggable(level)) {
        logged.add(new Logged(level, format, Arrays.asList(params)));
      }
    }
  }

  private final Recorder recorder = new Recorder();
  private final LogOnce log = new LogOnce(recorder);

  @Test
  void eachKeyLogsOnceWithItsPatternAndParameters() {
    log.log("a", System.Logger.Level.WARNING, "member {0} lost {1}", "1", "2");
    log.log("a", System.Logger.Level.WARNING, "member {0} lost {1}", "1", "3");
    log.log("b", System.Logger.Level.INFO, "member {0} is back", "2");
    assertThat(recorder.logged)
        .containsExactly(
            new Logged(System.Logger.Level.WARNING, "member {0} lost {1}", List.of("1", "2")),
            new Logged(System.Logger.Level.INFO, "member {0} is back", List.of("2")));
  }

  @Test
  void aKeyIsSpentEvenWhenItsLevelIsOff() {
    log.log("a", System.Logger.Level.DEBUG, "quiet");
    log.log("a", System.Logger.Level.WARNING, "loud");
    assertThat(recorder.logged).isEmpty();
  }

  @Test
  void forgettingAPrefixLetsThoseKeysLogAgain() {
    log.log("out:2:connect", System.Logger.Level.INFO, "connect 2");
    log.log("out:2:refused", System.Logger.Level.INFO, "refused 2");
    log.log("out:23:connect", System.Logger.Level.INFO, "connect 23");
    log.forget("out:2:");
    log.log("out:2:connect", System.Logger.Level.INFO, "connect 2");
    log.log("out:2:refused", System.Logger.Level.INFO, "refused 2");
    log.log("out:23:connect", System.Logger.Level.INFO, "connect 23");
    assertThat(recorder.logged.stream().map(Logged::format))
        .containsExactly("connect 2", "refused 2", "connect 23", "connect 2", "refused 2");
  }

  @Test
  void pastMaxKeysEveryKeyIsForgotten() {
    log.log("first", System.Logger.Level.INFO, "first");
    for (int i = 0; i < LogOnce.MAX_KEYS - 1; i++) {
      log.log("k" + i, System.Logger.Level.DEBUG, "other");
    }
    log.log("first", System.Logger.Level.INFO, "first"); // MAX_KEYS kept: still spent
    log.log("k-last", System.Logger.Level.DEBUG, "other"); // now one too many
    log.log("first", System.Logger.Level.INFO, "first");
    assertThat(recorder.logged.stream().map(Logged::format)).containsExactly("first", "first");
  }
}

package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEveryUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("60s")).isEqualTo(Duration.ofSeconds(60));
    assertThat(Durations.parse("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(Durations.parse(" 2H ")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
  }

  @Test
  void rejectsAnythingElse() {
    assertThatThrownBy(() -> Durations.parse("-1s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
    for (String bad : new String[] {"", "s", "60", "1.5s", "10 minutes", "5d", "ms"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("500ms, 30s, 10m or 2h");
    }
  }
}

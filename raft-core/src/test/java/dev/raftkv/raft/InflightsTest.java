package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InflightsTest {
  @Test
  void fullByCountAndFreedUpToAnAcknowledgedIndex() {
    Inflights in = new Inflights(3, 1 << 20);
    in.add(5, 10);
    in.add(7, 10);
    in.add(9, 10);
    assertThat(in.full()).isTrue();
    assertThatThrownBy(() -> in.add(11, 10)).isInstanceOf(IllegalStateException.class);
    in.freeLE(7);
    assertThat(in.count()).isEqualTo(1);
    assertThat(in.full()).isFalse();
    // The ring wraps around.
    in.add(11, 10);
    in.add(13, 10);
    assertThat(in.full()).isTrue();
    in.freeLE(12);
    assertThat(in.count()).isEqualTo(1);
    in.freeFirstOne();
    assertThat(in.count()).isZero();
  }

  @Test
  void fullByBytes() {
    Inflights in = new Inflights(100, 1000);
    in.add(1, 600);
    assertThat(in.full()).isFalse();
    in.add(2, 400);
    assertThat(in.full()).isTrue();
    in.freeLE(1);
    assertThat(in.full()).isFalse();
  }
}

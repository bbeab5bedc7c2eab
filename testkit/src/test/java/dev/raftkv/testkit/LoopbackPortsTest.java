package dev.raftkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  @Test
  void portsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
    int[] ports = LoopbackPorts.allocate(15);
    assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(15);
    int ephemeralLow = 32_768;
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    if (Files.isReadable(range)) {
      ephemeralLow = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
    }
    for (int port : ports) {
      assertThat(port).isGreaterThanOrEqualTo(10_000).isLessThan(Math.max(ephemeralLow, 11_000));
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      }
    }
  }

  @Test
  void aPortIsNeverHandedOutTwice() {
    int[] first = LoopbackPorts.allocate(50);
    int[] second = LoopbackPorts.allocate(50);
    assertThat(second).doesNotContain(first);
    int base = LoopbackPorts.allocateBase(5);
    for (int i = 1; i <= 5; i++) {
      assertThat(first).doesNotContain(base + i);
      assertThat(second).doesNotContain(base + i);
    }
  }

  @Test
  void aNonPositiveCountIsRefused() {
    assertThatThrownBy(() -> LoopbackPorts.allocate(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("count");
  }
}

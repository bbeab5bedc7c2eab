package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Message;
import dev.raftkv.testkit.LoopbackPorts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A member restarted in the same process on the same port must be able to listen again at once:
 * closing a transport releases its port before {@link TcpTransport#close()} returns, even while
 * peers keep connecting to it.
 */
class TcpTransportRestartTest {
  private static final long CLUSTER = 0xC1;

  @Test
  void aClosedTransportsPortCanBeBoundAgainAtOnceWhilePeersKeepConnecting() throws Exception {
    int[] ports = LoopbackPorts.allocate(2);
    InetSocketAddress aAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[0]);
    InetSocketAddress bAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[1]);
    TcpTransport a =
        new TcpTransport(
            TcpTransportConfig.of(CLUSTER, 1, aAddress, Map.of(2L, bAddress))
                .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)),
            m -> {});
    a.start();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread sender =
        new Thread(
            () -> {
              long i = 0;
              while (running.get()) {
                a.send(new Message.Heartbeat(1, 2, 1, 0, i++));
                Thread.onSpinWait();
              }
            });
    sender.start();
    try {
      for (int round = 0; round < 300; round++) {
        TcpTransport b =
            new TcpTransport(
                TcpTransportConfig.of(CLUSTER, 2, bAddress, Map.of(1L, aAddress))
                    .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)),
                m -> {});
        b.start(); // throws "cannot listen on" if the last round's listener is still open
        b.send(new Message.HeartbeatResponse(2, 1, 1, round));
        if (round % 3 == 0) {
          Thread.sleep(round % 7);
        }
        b.close();
      }
    } finally {
      running.set(false);
      sender.join();
      a.close();
    }
    assertThat(a.isConnected(2)).isFalse();
  }
}

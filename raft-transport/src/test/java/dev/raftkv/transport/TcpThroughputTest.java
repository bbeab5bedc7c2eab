package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A throughput figure, not a timed test: it prints messages per second for AppendRequests carrying
 * one 128-byte entry, from one member to another over loopback, and only checks that all arrived.
 * The sender keeps at most {@code WINDOW} messages in flight (below the queue capacity) so that
 * nothing is dropped; run {@link #main} for a longer run.
 */
class TcpThroughputTest {

  private static final int WINDOW = 2048;

  @Test
  void printsAppendRequestsPerSecond() {
    int messages = Integer.getInteger("raftkv.transport.throughput.messages", 100_000);
    assertThat(run(messages, 1)).isPositive();
    assertThat(run(messages, 32)).isPositive();
  }

  /** Arguments: message count (default 1,000,000), burst size for sendAll (default 1: send). */
  public static void main(String[] args) {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int burst = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    run(messages, burst);
  }

  /** Sends {@code messages} one by one ({@code burst} 1) or in {@code sendAll} bursts. */
  static double run(int messages, int burst) {
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    AtomicLong received = new AtomicLong();
    try (TcpTransport a = new TcpTransport(TcpTransportConfig.of(1, 1, any, Map.of()), m -> {});
        TcpTransport b =
            new TcpTransport(
                TcpTransportConfig.of(1, 2, any, Map.of()), m -> received.incrementAndGet())) {
      a.start();
      b.start();
      a.updatePeers(Map.of(2L, b.localAddress()));
      b.updatePeers(Map.of(1L, a.localAddress()));
      byte[] data = new byte[128];
      // Warm up the connection and the JIT a little, then measure.
      int warmup = Math.min(messages / 10, 20_000);
      send(a, received, warmup, data, burst);
      long start = System.nanoTime();
      send(a, received, messages, data, burst);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (received.get() < warmup + messages && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(received.get()).isEqualTo(warmup + messages);
      assertThat(a.stats().dropped()).isZero();
      double perSecond = messages / seconds;
      int frameBytes =
          new MessageCodec()
              .encode(
                  new Message.AppendRequest(
                      1, 2, 5, 1000, 5, List.of(Entry.normal(5, 1001, data)), 1000))
              .length;
      System.out.printf(
          "raft-transport throughput: %,d AppendRequests (128-byte entry, %d-byte frames, %s) in"
              + " %.2f s over loopback: %,.0f messages/s, %.1f MB/s%n",
          messages,
          frameBytes,
          burst == 1 ? "one send each" : "sendAll bursts of " + burst,
          seconds,
          perSecond,
          perSecond * frameBytes / 1e6);
      return perSecond;
    }
  }

  private static void send(TcpTransport a, AtomicLong received, int count, byte[] data, int burst) {
    long base = a.stats().sent() + a.stats().dropped();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    List<Message> batch = new ArrayList<>(burst);
    for (int i = 0; i < count; i++) {
      while (base + i - received.get() >= WINDOW) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("stalled at " + received.get());
        }
        Thread.onSpinWait();
      }
      long index = 1000L + i;
      batch.add(
          new Message.AppendRequest(
              1, 2, 5, index, 5, List.of(Entry.normal(5, index + 1, data)), index));
      if (batch.size() == burst || i == count - 1) {
        if (burst == 1) {
          a.send(batch.get(0));
        } else {
          a.sendAll(batch);
        }
        batch.clear();
      }
    }
  }
}

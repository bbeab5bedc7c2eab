package dev.raftkv.cli.chaos;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per member of a {@link LocalCluster}, shared by all clients (gRPC multiplexes
 * calls on one connection). Thread-safe.
 */
final class MemberChannels implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();

  MemberChannels(LocalCluster cluster) {
    channels.add(null); // members are numbered from 1
    for (int i = 1; i <= cluster.size(); i++) {
      channels.add(
          NettyChannelBuilder.forTarget(cluster.clientTarget(i))
              .usePlaintext()
              .keepAliveTime(10, TimeUnit.SECONDS)
              .build());
    }
  }

  /** Member {@code i}'s channel. */
  ManagedChannel get(int i) {
    return channels.get(i);
  }

  /**
   * Whether member {@code i}'s channel has just failed to connect (the member is down): a call on
   * it would fail at once without being sent.
   */
  boolean isDown(int i) {
    return channels.get(i).getState(false) == ConnectivityState.TRANSIENT_FAILURE;
  }

  /**
   * Makes member {@code i}'s channel reconnect now rather than after its backoff (after a restart).
   */
  void reconnect(int i) {
    channels.get(i).resetConnectBackoff();
  }

  @Override
  public void close() {
    for (ManagedChannel ch : channels) {
      if (ch != null) {
        ch.shutdownNow();
      }
    }
    for (ManagedChannel ch : channels) {
      if (ch != null) {
        try {
          ch.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}

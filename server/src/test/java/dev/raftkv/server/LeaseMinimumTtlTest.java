package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.raft.Role;
import dev.raftkv.testkit.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease's TTL is at least etcd's minimum, one and a half election timeouts rounded up to seconds:
 * the etcdctl suite found raftkv granting TTL(1s) where etcd (100 ms heartbeat, 1 s election)
 * grants TTL(2s).
 */
class LeaseMinimumTtlTest {
  @TempDir Path dir;

  @Test
  void theMinimumIsOneAndAHalfElectionTimeoutsInWholeSeconds() {
    assertThat(EtcdLeaseService.minTtlSeconds(100, 10)).isEqualTo(2); // etcd's defaults: 1.5 s
    assertThat(EtcdLeaseService.minTtlSeconds(20, 10)).isEqualTo(1); // 0.3 s
    assertThat(EtcdLeaseService.minTtlSeconds(500, 10)).isEqualTo(8); // 7.5 s
    assertThat(EtcdLeaseService.minTtlSeconds(100, 7)).isEqualTo(1); // (21 / 2) ticks = 1.0 s
  }

  @Test
  void aGrantBelowTheMinimumGetsTheMinimumWithEtcdsDefaultTimings() throws Exception {
    int[] p = LoopbackPorts.allocate(3);
    URI peer = URI.create("http://127.0.0.1:" + p[1]);
    try (RaftkvServer server =
        RaftkvServer.start(
            new ServerConfig(
                "m1",
                dir.resolve("m1"),
                URI.create("http://127.0.0.1:" + p[0]),
                peer,
                URI.create("http://127.0.0.1:" + p[2]),
                Map.of("m1", peer),
                true,
                "ttl",
                100,
                1000))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (server.status().role() != Role.LEADER) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no leader in 20 s");
        }
        Thread.sleep(10);
      }
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", p[0]).usePlaintext().build();
      try {
        LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(channel);
        assertThat(lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(1).build()).getTTL())
            .isEqualTo(2);
        assertThat(lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(3).build()).getTTL())
            .isEqualTo(3);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}

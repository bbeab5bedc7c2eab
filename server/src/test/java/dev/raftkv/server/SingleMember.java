package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Role;
import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A one-member cluster in the test JVM on free loopback ports, for the server's tests. */
public final class SingleMember {
  private SingleMember() {}

  /**
   * Starts member {@code n1} under {@code dir} (heartbeat 10 ms, election 100 ms) and returns once
   * it leads (20 s at most).
   *
   * @param clusterToken the cluster token (tests use their own, so ids differ)
   */
  public static RaftkvServer start(Path dir, String clusterToken)
      throws IOException, InterruptedException {
    URI peer = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    ServerConfig config =
        new ServerConfig(
            "n1",
            dir.resolve("n1"),
            URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()),
            peer,
            URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()),
            Map.of("n1", peer),
            true,
            clusterToken,
            10,
            100);
    RaftkvServer server = RaftkvServer.start(config);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.status().role() != Role.LEADER) {
      assertThat(System.nanoTime()).as("a leader within 20 s").isLessThan(deadline);
      Thread.sleep(10);
    }
    return server;
  }

  /** The port of {@code server}'s first client URL. */
  public static int clientPort(RaftkvServer server) {
    return server.config().listenClientUrls().get(0).getPort();
  }
}

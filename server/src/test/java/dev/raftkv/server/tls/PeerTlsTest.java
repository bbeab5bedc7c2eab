package dev.raftkv.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.Message;
import dev.raftkv.testkit.LoopbackPorts;
import dev.raftkv.transport.PeerTls;
import dev.raftkv.transport.TcpTransport;
import dev.raftkv.transport.TcpTransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer transport over TLS with peer-client-cert-auth, certificates made at test time: two
 * members whose certificates the cluster's CA signed exchange messages; a member whose certificate
 * a second CA signed is refused at the TLS handshake (counted by the listener), so it never gets to
 * the cluster-id handshake nor delivers anything.
 */
class PeerTlsTest {
  private static final long CLUSTER = 0xC1;

  @TempDir Path dir;
  private final List<TcpTransport> transports = new ArrayList<>();

  @AfterEach
  void close() {
    transports.forEach(TcpTransport::close);
  }

  private PeerTls tls(Pki.KeyAndCertificate ca, String name, Path trusted) throws Exception {
    Pki.issue(ca, name, List.of("127.0.0.1", "localhost"))
        .write(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    return ServerTls.load(
            new TlsFiles(
                dir.resolve(name + ".crt"), dir.resolve(name + ".key"), trusted, true, false),
            true,
            null)
        .peer();
  }

  private TcpTransport start(
      long id, int port, Map<Long, InetSocketAddress> peers, PeerTls tls, Queue<Message> inbox) {
    TcpTransport t =
        new TcpTransport(
            TcpTransportConfig.of(
                    CLUSTER,
                    id,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    peers)
                .withTls(tls),
            inbox::add);
    transports.add(t);
    t.start();
    return t;
  }

  private static boolean await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  @Test
  void membersOfTheCaTalkAndAPeerOfAnotherCaIsRefusedAtTheTlsHandshake() throws Exception {
    Pki.KeyAndCertificate ca = Pki.newCa("cluster CA");
    ca.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
    Pki.KeyAndCertificate other = Pki.newCa("another CA");
    Path caFile = dir.resolve("ca.crt");
    int[] ports = LoopbackPorts.allocate(3);
    InetSocketAddress a1 = new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[0]);
    InetSocketAddress a2 = new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[1]);
    Queue<Message> at1 = new ConcurrentLinkedQueue<>();
    Queue<Message> at2 = new ConcurrentLinkedQueue<>();
    TcpTransport m1 = start(1, ports[0], Map.of(2L, a2), tls(ca, "m1", caFile), at1);
    TcpTransport m2 = start(2, ports[1], Map.of(1L, a1), tls(ca, "m2", caFile), at2);

    m2.send(new Message.Heartbeat(2, 1, 1, 0, 0));
    assertThat(await(() -> !at1.isEmpty())).as("m1 hears m2 over TLS").isTrue();
    m1.send(new Message.HeartbeatResponse(1, 2, 1, 0));
    assertThat(await(() -> !at2.isEmpty())).as("m2 hears m1 over TLS").isTrue();
    assertThat(m1.tlsRefusals()).isZero();

    // It trusts the cluster's CA, so it would accept m1: it is m1 that refuses it.
    TcpTransport rogue =
        start(
            3,
            ports[2],
            Map.of(1L, a1),
            tls(other, "rogue", caFile),
            new ConcurrentLinkedQueue<>());
    rogue.send(new Message.Heartbeat(3, 1, 1, 0, 0));
    assertThat(await(() -> m1.tlsRefusals() > 0)).as("m1 refuses the rogue at TLS").isTrue();
    assertThat(rogue.isConnected(1)).isFalse();
    assertThat(at1).allSatisfy(m -> assertThat(m.from()).isEqualTo(2));
  }
}

package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.Message;
import dev.raftkv.raft.SnapshotMetadata;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpTransportTest {

  private static final long CLUSTER = 0xC1;
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final InetSocketAddress ANY_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final CapturedLogs logs = new CapturedLogs();

  @BeforeEach
  void captureLogs() {
    logs.install();
    open.add(logs);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private TcpTransport start(long cluster, long id, Inbox inbox) {
    return start(cluster, id, inbox, c -> c);
  }

  private TcpTransport start(
      long cluster, long id, Inbox inbox, UnaryOperator<TcpTransportConfig> adjust) {
    TcpTransportConfig config =
        adjust.apply(
            TcpTransportConfig.of(cluster, id, ANY_PORT, Map.of())
                .withBackoff(Duration.ofMillis(10), Duration.ofMillis(200)));
    TcpTransport t = new TcpTransport(config, inbox);
    open.add(t);
    t.start();
    return t;
  }

  /** Tells every transport the addresses of all of them. */
  private static void introduce(TcpTransport... all) {
    Map<Long, InetSocketAddress> peers = new HashMap<>();
    for (int i = 0; i < all.length; i++) {
      peers.put((long) i + 1, all[i].localAddress());
    }
    for (TcpTransport t : all) {
      t.updatePeers(peers);
    }
  }

  @Test
  void threeMembersExchangeMessagesOfEveryType() {
    Inbox[] inboxes = {new Inbox(), new Inbox(), new Inbox()};
    TcpTransport[] t = new TcpTransport[3];
    for (int i = 0; i < 3; i++) {
      t[i] = start(CLUSTER, i + 1, inboxes[i]);
    }
    introduce(t);
    RandomMessages random = new RandomMessages(5);
    Map<Long, List<Message>> expected = new HashMap<>();
    for (int from = 1; from <= 3; from++) {
      for (int to = 1; to <= 3; to++) {
        if (from != to) {
          List<Message> each = random.oneOfEach(from, to);
          t[from - 1].sendAll(each);
          expected.computeIfAbsent((long) to, k -> new ArrayList<>()).addAll(each);
        }
      }
    }
    for (int i = 0; i < 3; i++) {
      Inbox inbox = inboxes[i];
      assertThat(Inbox.await(WAIT, () -> inbox.size() == 24))
          .as("member %d got 24", i + 1)
          .isTrue();
      List<Message> got = inbox.all();
      // Per sender, order is kept; compare each sender's stream.
      for (long from = 1; from <= 3; from++) {
        long f = from;
        List<Message> fromGot = got.stream().filter(m -> m.from() == f).toList();
        List<Message> fromWant =
            expected.get((long) i + 1).stream().filter(m -> m.from() == f).toList();
        assertThat(fromGot).hasSameSizeAs(fromWant);
        for (int k = 0; k < fromWant.size(); k++) {
          RandomMessages.assertSameMessage(fromGot.get(k), fromWant.get(k));
        }
      }
    }
    assertThat(t[0].stats().sent()).isEqualTo(24);
    assertThat(t[0].stats().received()).isEqualTo(24);
    assertThat(t[0].stats().dropped()).isZero();
  }

  @Test
  void aPeerFromAnotherClusterIsRefused() {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, inbox);
    TcpTransport intruder = start(0xBAD, 2, new Inbox());
    introduce(a, intruder);
    for (int i = 0; i < 20; i++) {
      intruder.send(new Message.TimeoutNow(2, 1, 9));
    }
    // It keeps retrying (with backoff) and keeps being refused; nothing is delivered.
    assertThat(Inbox.await(Duration.ofMillis(400), () -> inbox.size() > 0)).isFalse();
    assertThat(intruder.isConnected(1)).isFalse();
    assertThat(a.stats().received()).isZero();
    assertThat(intruder.stats().sent()).isZero();
    // Several attempts were refused, but each side said so once. (Under a loaded machine the
    // first attempt may come after the 400 ms above: wait for it rather than assume it.)
    assertThat(
            Inbox.await(
                WAIT, () -> logs.count("member 2 was refused by member 1", "WRONG_CLUSTER") > 0))
        .isTrue();
    assertThat(logs.count("refused a peer connection", "of cluster bad: this is cluster c1"))
        .isEqualTo(1);
    assertThat(logs.count("member 2 was refused by member 1", "WRONG_CLUSTER")).isEqualTo(1);
    assertThat(logs.count("refused", "")).isEqualTo(2);
  }

  @Test
  void aMemberClaimingAnUnknownIdIsRefused() {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, inbox);
    TcpTransport stranger = start(CLUSTER, 7, new Inbox());
    a.updatePeers(Map.of(2L, new InetSocketAddress("127.0.0.1", 1))); // knows 2, not 7
    stranger.updatePeers(Map.of(1L, a.localAddress()));
    stranger.send(new Message.TimeoutNow(7, 1, 9));
    assertThat(Inbox.await(Duration.ofMillis(400), () -> inbox.size() > 0)).isFalse();
    assertThat(stranger.isConnected(1)).isFalse();
    assertThat(logs.count("refused a peer connection", "claiming unknown member 7")).isEqualTo(1);

    // Once a membership change makes 7 known, the same transport gets through.
    a.updatePeers(Map.of(7L, stranger.localAddress()));
    assertThat(
            Inbox.await(
                WAIT,
                () -> {
                  stranger.send(new Message.TimeoutNow(7, 1, 9));
                  return inbox.size() > 0;
                }))
        .isTrue();
  }

  @Test
  void aMemberRemovedFromThePeerMapIsCutOff() {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, inbox);
    TcpTransport b = start(CLUSTER, 2, new Inbox());
    introduce(a, b);
    b.send(new Message.TimeoutNow(2, 1, 1));
    assertThat(Inbox.await(WAIT, () -> inbox.size() == 1)).isTrue();

    a.updatePeers(Map.of()); // a membership change removed member 2
    assertThat(Inbox.await(WAIT, () -> !b.isConnected(1))).isTrue();
    for (int i = 0; i < 10; i++) {
      b.send(new Message.TimeoutNow(2, 1, 2));
    }
    assertThat(Inbox.await(Duration.ofMillis(300), () -> inbox.size() > 1)).isFalse();
    a.send(new Message.TimeoutNow(1, 2, 2));
    assertThat(a.stats().droppedUnreachable()).isEqualTo(1);
  }

  @Test
  void addPeerAndRemovePeerFollowMembershipChanges() {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, new Inbox());
    TcpTransport b = start(CLUSTER, 2, inbox);
    b.addPeer(1, a.localAddress());
    a.send(new Message.TimeoutNow(1, 2, 1));
    assertThat(Inbox.await(Duration.ofMillis(300), () -> inbox.size() > 0)).isFalse();

    a.addPeer(2, b.localAddress()); // the change that added member 2 applied on member 1
    assertThat(a.peers()).containsOnlyKeys(2L);
    a.send(new Message.TimeoutNow(1, 2, 2));
    assertThat(Inbox.await(WAIT, () -> inbox.size() == 1)).isTrue();

    b.removePeer(1); // ... and the change that removed member 1 applied on member 2
    assertThat(b.peers()).isEmpty();
    assertThat(Inbox.await(WAIT, () -> !a.isConnected(2))).isTrue();
    for (int i = 0; i < 5; i++) {
      a.send(new Message.TimeoutNow(1, 2, 3));
    }
    assertThat(Inbox.await(Duration.ofMillis(300), () -> inbox.size() > 1)).isFalse();
  }

  @Test
  void aRemovedMemberIsToldSoAndItsListenerRunsOnce() {
    TcpTransport a = start(CLUSTER, 1, new Inbox());
    TcpTransport b = start(CLUSTER, 2, new Inbox());
    List<String> told = java.util.Collections.synchronizedList(new ArrayList<>());
    b.onRemoved(told::add);
    b.addPeer(1, a.localAddress());
    a.setRemovedMembers(java.util.Set.of(2L));
    for (int i = 0; i < 3; i++) {
      b.send(new Message.TimeoutNow(2, 1, i));
      assertThat(Inbox.await(WAIT, () -> !told.isEmpty())).isTrue();
    }
    assertThat(Inbox.await(Duration.ofMillis(200), () -> told.size() > 1)).isFalse();
    assertThat(told).containsExactly("member 2 was removed from cluster c1");
  }

  @Test
  void aJoiningMemberLearnsTheClusterIdAndDescription() throws Exception {
    TcpTransport a = start(CLUSTER, 1, new Inbox());
    a.setClusterInfo(() -> new byte[] {4, 2});
    ClusterInfo info = ClusterInfo.ask(a.localAddress(), WAIT);
    assertThat(info.clusterId()).isEqualTo(CLUSTER);
    assertThat(info.info()).containsExactly(4, 2);
    // The transport keeps working for members after answering a query.
    Inbox inbox = new Inbox();
    TcpTransport b = start(CLUSTER, 2, inbox);
    introduce(a, b);
    a.send(new Message.TimeoutNow(1, 2, 1));
    assertThat(Inbox.await(WAIT, () -> inbox.size() == 1)).isTrue();
  }

  @Test
  void askingAnAddressWhereNobodyListensFailsNamingIt() throws Exception {
    InetSocketAddress nobody;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nobody = (InetSocketAddress) s.getLocalSocketAddress();
    }
    InetSocketAddress at = nobody;
    assertThatThrownBy(() -> ClusterInfo.ask(at, Duration.ofSeconds(2)))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void aConnectionMeantForAnotherMemberIsRefused() {
    Inbox inbox3 = new Inbox();
    TcpTransport a = start(CLUSTER, 1, new Inbox());
    TcpTransport c = start(CLUSTER, 3, inbox3);
    // a's map is stale: it believes member 2 lives at c's address.
    a.updatePeers(Map.of(2L, c.localAddress(), 3L, c.localAddress()));
    c.updatePeers(Map.of(1L, a.localAddress()));
    a.send(new Message.TimeoutNow(1, 2, 1));
    assertThat(Inbox.await(Duration.ofMillis(300), () -> inbox3.size() > 0)).isFalse();
    assertThat(logs.count("refused member 1, which meant to reach member 2", "")).isEqualTo(1);
    a.send(new Message.TimeoutNow(1, 3, 1));
    assertThat(Inbox.await(WAIT, () -> inbox3.size() == 1)).isTrue();
    assertThat(inbox3.all().get(0).to()).isEqualTo(3);
  }

  @Test
  void aMemberThatMovesIsFoundAtItsNewAddress() {
    Inbox inbox1 = new Inbox();
    TcpTransport a = start(CLUSTER, 1, inbox1);
    TcpTransport b = start(CLUSTER, 2, new Inbox());
    introduce(a, b);
    b.send(new Message.TimeoutNow(2, 1, 1));
    assertThat(Inbox.await(WAIT, () -> inbox1.size() == 1)).isTrue();
    b.close();

    Inbox inbox2 = new Inbox();
    TcpTransport moved = start(CLUSTER, 2, inbox2); // another ephemeral port
    introduce(a, moved);
    assertThat(
            Inbox.await(
                WAIT,
                () -> {
                  a.send(new Message.TimeoutNow(1, 2, 2));
                  return inbox2.size() > 0;
                }))
        .isTrue();
  }

  @Test
  void concurrentSendersKeepTheirOrderAndEveryMessageIsAccounted() throws Exception {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, new Inbox());
    TcpTransport b = start(CLUSTER, 2, inbox);
    introduce(a, b);
    int threads = 4;
    int each = 3000;
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long thread = t;
      senders.add(
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  Message m = new Message.Heartbeat(1, 2, 1, 0, thread * 1_000_000 + i);
                  if (i % 10 == 0) {
                    a.sendAll(List.of(m));
                  } else {
                    a.send(m);
                  }
                }
              }));
    }
    senders.forEach(Thread::start);
    for (Thread t : senders) {
      t.join(WAIT.toMillis());
    }
    long total = (long) threads * each;
    assertThat(
            Inbox.await(
                WAIT,
                () ->
                    a.stats().sent() + a.stats().dropped() == total
                        && inbox.size() == a.stats().sent()))
        .as("sent %s, received %d", a.stats(), inbox.size())
        .isTrue();
    long[] last = new long[threads];
    java.util.Arrays.fill(last, -1);
    for (Message m : inbox.all()) {
      long context = ((Message.Heartbeat) m).context();
      int thread = (int) (context / 1_000_000);
      assertThat(context % 1_000_000).isGreaterThan(last[thread]);
      last[thread] = context % 1_000_000;
    }
  }

  @Test
  void peersReconnectAfterARestart() {
    Inbox inbox1 = new Inbox();
    Inbox inbox2 = new Inbox();
    TcpTransport a = start(CLUSTER, 1, inbox1);
    TcpTransport b = start(CLUSTER, 2, inbox2);
    introduce(a, b);
    a.send(new Message.Heartbeat(1, 2, 1, 0, 0));
    assertThat(Inbox.await(WAIT, () -> inbox2.size() == 1)).isTrue();

    InetSocketAddress bAddress = b.localAddress();
    b.close();
    assertThat(Inbox.await(WAIT, () -> !a.isConnected(2))).isTrue();
    a.send(new Message.Heartbeat(1, 2, 1, 0, 1)); // queued or lost while b is down

    Inbox inbox2b = new Inbox();
    TcpTransport b2 = start(CLUSTER, 2, inbox2b, c -> c.withListenAddress(bAddress));
    b2.updatePeers(Map.of(1L, a.localAddress()));
    assertThat(
            Inbox.await(
                WAIT,
                () -> {
                  a.send(new Message.Heartbeat(1, 2, 1, 0, 2));
                  return inbox2b.count(m -> m.equals(new Message.Heartbeat(1, 2, 1, 0, 2))) > 0;
                }))
        .isTrue();
    // And the other way round, on b2's own new connection.
    b2.send(new Message.HeartbeatResponse(2, 1, 1, 2));
    assertThat(Inbox.await(WAIT, () -> inbox1.size() == 1)).isTrue();
  }

  @Test
  void aDetachedMemberNeitherSendsNorReceivesUntilAttached() {
    Inbox inbox1 = new Inbox();
    Inbox inbox2 = new Inbox();
    TcpTransport a = start(CLUSTER, 1, inbox1);
    TcpTransport b = start(CLUSTER, 2, inbox2);
    introduce(a, b);
    a.send(new Message.Heartbeat(1, 2, 1, 0, 0));
    b.send(new Message.HeartbeatResponse(2, 1, 1, 0));
    assertThat(Inbox.await(WAIT, () -> inbox1.size() == 1 && inbox2.size() == 1)).isTrue();

    b.detach();
    assertThat(b.isDetached()).isTrue();
    for (int i = 0; i < 20; i++) {
      a.send(new Message.Heartbeat(1, 2, 1, 0, 100 + i));
      b.send(new Message.HeartbeatResponse(2, 1, 1, 100 + i));
    }
    assertThat(Inbox.await(Duration.ofMillis(300), () -> inbox1.size() > 1 || inbox2.size() > 1))
        .isFalse();
    assertThat(b.stats().droppedDetached()).isGreaterThanOrEqualTo(20);

    b.attach();
    assertThat(
            Inbox.await(
                WAIT,
                () -> {
                  a.send(new Message.Heartbeat(1, 2, 1, 0, 999));
                  b.send(new Message.HeartbeatResponse(2, 1, 1, 999));
                  return inbox1.count(m -> ((Message.HeartbeatResponse) m).context() == 999) > 0
                      && inbox2.count(m -> ((Message.Heartbeat) m).context() == 999) > 0;
                }))
        .isTrue();
  }

  @Test
  void aFullQueueDropsAndCounts() throws Exception {
    // A peer that accepts TCP connections but never answers the handshake: nothing drains.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      TcpTransport a = start(CLUSTER, 1, new Inbox(), c -> c.withQueueCapacity(8));
      a.updatePeers(Map.of(2L, (InetSocketAddress) silent.getLocalSocketAddress()));
      for (int i = 0; i < 100; i++) {
        a.send(new Message.Heartbeat(1, 2, 1, 0, i));
      }
      assertThat(a.stats().droppedQueueFull()).isEqualTo(92);
      assertThat(a.stats().sent()).isZero();
    }
  }

  @Test
  void anOversizedMessageIsDroppedAndTheConnectionCarriesOn() {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, new Inbox(), c -> c.withMaxFrameBytes(1024));
    TcpTransport b = start(CLUSTER, 2, inbox);
    introduce(a, b);
    a.send(new Message.InstallSnapshot(1, 2, 1, SnapshotMetadata.EMPTY, 0, new byte[4096], true));
    a.send(new Message.TimeoutNow(1, 2, 1));
    assertThat(Inbox.await(WAIT, () -> inbox.size() == 1)).isTrue();
    assertThat(inbox.all().get(0)).isInstanceOf(Message.TimeoutNow.class);
    assertThat(a.stats().droppedTooLarge()).isEqualTo(1);
  }

  @Test
  void aReceiverRefusesFramesOverItsLimitAndTheSenderReconnects() {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, new Inbox());
    TcpTransport b = start(CLUSTER, 2, inbox, c -> c.withMaxFrameBytes(1024));
    introduce(a, b);
    a.send(new Message.InstallSnapshot(1, 2, 1, SnapshotMetadata.EMPTY, 0, new byte[4096], true));
    // b closes the connection at the length field; a reconnects for later messages.
    assertThat(
            Inbox.await(
                WAIT,
                () -> {
                  a.send(new Message.TimeoutNow(1, 2, 1));
                  return inbox.size() > 0;
                }))
        .isTrue();
    assertThat(inbox.count(m -> m instanceof Message.InstallSnapshot)).isZero();
  }

  @Test
  void garbageOnThePeerPortIsClosedAndHarmless() throws Exception {
    Inbox inbox = new Inbox();
    TcpTransport a = start(CLUSTER, 1, inbox);
    TcpTransport b = start(CLUSTER, 2, new Inbox());
    introduce(a, b);
    try (Socket s = new Socket()) {
      s.connect(a.localAddress(), 2000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(
          "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      assertThat(in.read()).as("closed by the member").isEqualTo(-1);
    }
    b.send(new Message.TimeoutNow(2, 1, 1));
    assertThat(Inbox.await(WAIT, () -> inbox.size() == 1)).isTrue();
  }

  @Test
  void theHandlerCanRunOnTheCallersExecutor() {
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "node-loop"));
    open.add(loop::shutdownNow);
    List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    TcpTransport a =
        new TcpTransport(
            TcpTransportConfig.of(CLUSTER, 1, ANY_PORT, Map.of()),
            m -> threads.add(Thread.currentThread().getName()),
            loop);
    open.add(a);
    a.start();
    TcpTransport b = start(CLUSTER, 2, new Inbox());
    introduce(a, b);
    b.send(new Message.TimeoutNow(2, 1, 1));
    assertThat(Inbox.await(WAIT, () -> threads.size() == 1)).isTrue();
    assertThat(threads).containsExactly("node-loop");
  }

  @Test
  void sendingToAnUnknownMemberOrBeforeStartDrops() {
    TcpTransport a =
        new TcpTransport(TcpTransportConfig.of(CLUSTER, 1, ANY_PORT, Map.of()), new Inbox());
    open.add(a);
    a.send(new Message.TimeoutNow(1, 2, 1));
    a.start();
    a.send(new Message.TimeoutNow(1, 3, 1));
    assertThat(a.stats().droppedUnreachable()).isEqualTo(2);
    assertThatThrownBy(a::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aTakenPortFailsStartWithTheAddress() {
    TcpTransport a = start(CLUSTER, 1, new Inbox());
    TcpTransport b =
        new TcpTransport(
            TcpTransportConfig.of(CLUSTER, 2, a.localAddress(), Map.of()), new Inbox());
    open.add(b);
    assertThatThrownBy(b::start)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("member 2 cannot listen on")
        .hasMessageContaining(String.valueOf(a.localAddress().getPort()));
  }
}

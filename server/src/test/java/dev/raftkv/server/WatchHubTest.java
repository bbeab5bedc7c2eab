package dev.raftkv.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import dev.raftkv.api.mvccpb.Event;
import dev.raftkv.kv.Compact;
import dev.raftkv.kv.DeleteRange;
import dev.raftkv.kv.KvCommands;
import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.WatchHub;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hub alone, over a real state machine, with a stream whose readiness the test controls. */
class WatchHubTest {
  @TempDir Path dir;
  private KvStateMachine kv;
  private WatchHub hub;

  private static ResponseHeader header(long rev) {
    return ResponseHeader.newBuilder().setRevision(rev).build();
  }

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private long index;

  @BeforeEach
  void open() {
    kv = KvStateMachine.open(dir.resolve("db"), KvOptions.DEFAULTS);
  }

  @AfterEach
  void close() {
    if (hub != null) {
      hub.close();
    }
    kv.close();
    scheduler.shutdownNow();
  }

  private void start(int queueLimit, Duration progress) {
    hub = new WatchHub(kv, queueLimit, scheduler, progress);
  }

  private void apply(Op op) {
    index++;
    kv.apply(List.of(Entry.normal(1, index, KvCommands.encode(op))));
  }

  /** A response stream that is ready only when the test says so. */
  private static final class Client extends ServerCallStreamObserver<WatchResponse> {
    final LinkedBlockingQueue<WatchResponse> got = new LinkedBlockingQueue<>();
    volatile boolean ready;
    volatile Runnable onReady = () -> {};

    void becomeReady() {
      ready = true;
      onReady.run();
    }

    WatchResponse next() throws InterruptedException {
      WatchResponse r = got.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("a response within 10 s").isNotNull();
      return r;
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable r) {
      onReady = r;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable r) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(WatchResponse r) {
      got.add(r);
    }

    @Override
    public void onError(Throwable t) {
      got.add(WatchResponse.newBuilder().setCancelReason("error: " + t).build());
    }

    @Override
    public void onCompleted() {}
  }

  private static WatchHub.Create watch(String key, long start, boolean progress) {
    return new WatchHub.Create(
        0, key.getBytes(UTF_8), null, start, false, false, false, progress, false);
  }

  @Test
  void aCreateEventCarriesNoPrevKvAsEtcd() {
    // etcd skips the prev_kv lookup for a create (a put at version 1), even if the key existed
    // before the txn that deleted and created it (found by the differential test)
    dev.raftkv.kv.KeyValue before =
        new dev.raftkv.kv.KeyValue(new byte[] {'k'}, 2, 3, 2, new byte[] {'1'}, 0);
    dev.raftkv.kv.KeyValue created =
        new dev.raftkv.kv.KeyValue(new byte[] {'k'}, 5, 5, 1, new byte[] {'2'}, 0);
    Event e =
        EtcdProtos.toProto(
            new dev.raftkv.kv.Event(dev.raftkv.kv.Event.Type.PUT, created, before), true);
    assertThat(e.hasPrevKv()).isFalse();
    dev.raftkv.kv.KeyValue updated =
        new dev.raftkv.kv.KeyValue(new byte[] {'k'}, 2, 5, 3, new byte[] {'2'}, 0);
    assertThat(
            EtcdProtos.toProto(
                    new dev.raftkv.kv.Event(dev.raftkv.kv.Event.Type.PUT, updated, before), true)
                .getPrevKv()
                .getValue()
                .toStringUtf8())
        .isEqualTo("1");
  }

  @Test
  void afterASnapshotRestoreWatchersReplayWhatTheSnapshotBrought() throws Exception {
    start(16, Duration.ofMinutes(10));
    Client c = new Client();
    c.ready = true;
    WatchHub.Stream s = GrpcWatchSink.open(hub, c, WatchHubTest::header);
    try (KvStateMachine ahead = KvStateMachine.open(dir.resolve("ahead"), KvOptions.DEFAULTS)) {
      for (int i = 0; i < 3; i++) {
        apply(Put.of("k", Integer.toString(i)));
        ahead.apply(List.of(Entry.normal(1, index, KvCommands.encode(Put.of("k", "" + i)))));
      }
      s.create(watch("k", 0, false));
      assertThat(c.next().getCreated()).isTrue();
      for (int i = 3; i < 6; i++) {
        index++;
        ahead.apply(List.of(Entry.normal(1, index, KvCommands.encode(Put.of("k", "" + i)))));
      }
      kv.restore(new Snapshot(new SnapshotMetadata(index, 1, ConfState.EMPTY), ahead.snapshot()));
    }
    List<Event> evs = new ArrayList<>();
    while (evs.size() < 3) {
      evs.addAll(c.next().getEventsList());
    }
    assertThat(evs)
        .extracting(e -> e.getKv().getValue().toStringUtf8())
        .containsExactly("3", "4", "5");
    apply(Put.of("k", "6"));
    assertThat(c.next().getEvents(0).getKv().getValue().toStringUtf8()).isEqualTo("6");
  }

  @Test
  void aLargeResponseIsSplitIntoFragmentsForAWatcherThatAsked() throws Exception {
    start(16, Duration.ofMinutes(10));
    Client c = new Client();
    c.ready = true;
    WatchHub.Stream s = GrpcWatchSink.open(hub, c, WatchHubTest::header);
    byte[] big = new byte[700 * 1024];
    for (String k : new String[] {"f1", "f2", "f3", "f4"}) {
      apply(new Put(k.getBytes(UTF_8), big, 0, false, false, false));
    }
    s.create(
        new WatchHub.Create(
            0, "f".getBytes(UTF_8), "g".getBytes(UTF_8), 0, false, false, true, false, true));
    assertThat(c.next().getCreated()).isTrue();
    apply(new DeleteRange("f".getBytes(UTF_8), "g".getBytes(UTF_8), false));
    List<WatchResponse> parts = new ArrayList<>();
    WatchResponse r;
    do {
      r = c.next();
      parts.add(r);
    } while (r.getFragment());
    assertThat(parts.size()).isGreaterThan(1);
    assertThat(parts).allMatch(p -> p.getSerializedSize() <= GrpcWatchSink.FRAGMENT_BYTES + 1024);
    assertThat(parts.stream().mapToInt(WatchResponse::getEventsCount).sum()).isEqualTo(4);
    assertThat(parts.get(parts.size() - 1).getFragment()).isFalse();
  }

  @Test
  void aStreamThatFallsBehindReplaysFromHistoryWithoutLosingOrRepeatingEvents() throws Exception {
    start(4, Duration.ofMinutes(10));
    Client c = new Client();
    WatchHub.Stream s = GrpcWatchSink.open(hub, c, WatchHubTest::header);
    s.create(watch("k", 0, false));
    for (int i = 0; i < 100; i++) {
      apply(Put.of("k", Integer.toString(i)));
    }
    // the apply thread never waited; now the client reads
    c.becomeReady();
    assertThat(c.next().getCreated()).isTrue();
    List<Event> evs = new ArrayList<>();
    while (evs.size() < 100) {
      evs.addAll(c.next().getEventsList());
    }
    for (int i = 0; i < 100; i++) {
      assertThat(evs.get(i).getKv().getValue().toStringUtf8()).isEqualTo(Integer.toString(i));
      assertThat(evs.get(i).getKv().getModRevision()).isEqualTo(i + 2);
    }
    apply(Put.of("k", "live"));
    assertThat(c.next().getEvents(0).getKv().getValue().toStringUtf8()).isEqualTo("live");
    assertThat(c.got.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aWatcherThatFellBehindPastACompactionIsCanceledWithTheCompactRevision() throws Exception {
    start(2, Duration.ofMinutes(10));
    Client c = new Client();
    WatchHub.Stream s = GrpcWatchSink.open(hub, c, WatchHubTest::header);
    s.create(watch("k", 0, false));
    for (int i = 0; i < 10; i++) {
      apply(Put.of("k", Integer.toString(i)));
    }
    apply(new Compact(11));
    c.becomeReady();
    List<WatchResponse> got = new ArrayList<>();
    WatchResponse r;
    do {
      r = c.next();
      got.add(r);
    } while (!r.getCanceled());
    assertThat(got.get(0).getCreated()).isTrue();
    assertThat(r.getCompactRevision()).isEqualTo(11);
  }

  @Test
  void progressNotifyTellsAnIdleWatcherTheRevision() throws Exception {
    start(16, Duration.ofMillis(50));
    Client c = new Client();
    c.ready = true;
    WatchHub.Stream s = GrpcWatchSink.open(hub, c, WatchHubTest::header);
    apply(Put.of("other", "1"));
    s.create(watch("k", 0, true));
    assertThat(c.next().getCreated()).isTrue();
    WatchResponse r = c.next();
    assertThat(r.getEventsList()).isEmpty();
    assertThat(r.getWatchId()).isZero();
    assertThat(r.getHeader().getRevision()).isEqualTo(2);
  }
}

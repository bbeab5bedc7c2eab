package dev.raftkv.compat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases of jetcd's own {@code WatchTest} (jetcd 0.8.5), the whole test run {@link #RUNS} times
 * with a plain and with a namespaced client against a 3-member etcd 3.4 and a 3-member raftkv, the
 * two in turn: the test must fail no more often against raftkv than against etcd (issue 13). Both
 * fail now and then: jetcd's cases race a write through one member against a watch through another.
 * At parity the comparison is a coin toss, which is why it runs only in the soak profile. Most of
 * these cases create a watch and write at once, without waiting for the watch's created response,
 * which is where raftkv used to lose events (7 of 11 runs). jetcd's restart case needs a member
 * restart of both clusters mid-watch and is left out; {@code JetcdIT} covers a watch across a
 * member's stop and restart.
 *
 * <p>The failure counts per case and system are written to {@code target/jetcd-watch-runs.txt}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // a watcher lives for its try block, as in jetcd's tests
class JetcdWatchTestIT {
  /**
   * How often each case runs per client per system: the system property {@code
   * raftkv.jetcd.watch.runs}, which the soak profile sets to 10 (the figure). Unset or 0,
   * the test does not run: it is statistical, and a minute long.
   */
  static final int RUNS = runs();

  private static int runs() {
    return Integer.getInteger("raftkv.jetcd.watch.runs", 0);
  }

  private static final long WAIT_S = 10;
  private static final ByteSequence NAMESPACE = bs("test-namespace/");

  private RealEtcdCluster etcd;
  private RaftkvCluster raftkv;

  /** One case: what it does with a client (and a plain client on the same cluster). */
  @FunctionalInterface
  private interface Case {
    void run(Client client, Client plain) throws Exception;
  }

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        RUNS > 0,
        "statistical: runs with -Psoak or -Draftkv.jetcd.watch.runs=N (N runs of the whole test)");
    Binaries.requireEtcd();
    etcd = RealEtcdCluster.start(dir.resolve("etcd"), 3, 100, 1000);
    raftkv = RaftkvCluster.start(dir.resolve("raftkv"), 3, 100, 1000);
  }

  @AfterAll
  void stop() {
    if (raftkv != null) {
      raftkv.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void raftkvFailsNoMoreOftenThanEtcd() throws Exception {
    Map<String, Case> cases = cases();
    Map<String, int[]> failures = new LinkedHashMap<>(); // case → {etcd, raftkv}
    int[] failedRuns = new int[2]; // runs of the whole WatchTest with any case failed
    List<String> firstErrors = new ArrayList<>();
    List<List<String>> systems = List.of(etcd.clientEndpoints(), raftkv.clientEndpoints());
    if (Boolean.getBoolean("raftkv.jetcd.watch.oneEndpoint")) {
      systems =
          List.of(etcd.clientEndpoints().subList(0, 1), raftkv.clientEndpoints().subList(0, 1));
    }
    List<Client> clients = new ArrayList<>();
    try {
      for (List<String> endpoints : systems) {
        String[] urls = endpoints.stream().map(e -> "http://" + e).toArray(String[]::new);
        clients.add(Client.builder().endpoints(urls).build());
        clients.add(Client.builder().endpoints(urls).namespace(NAMESPACE).build());
      }
      // Run by run, the two systems in turn, so both see the same load on this shared machine.
      for (int run = 0; run < RUNS; run++) {
        for (int s = 0; s < 2; s++) {
          Client plain = clients.get(2 * s);
          boolean failed = false;
          for (Map.Entry<String, Case> c : cases.entrySet()) {
            for (Client client : List.of(plain, clients.get(2 * s + 1))) {
              String name = c.getKey() + (client == plain ? "" : " [namespaced]");
              int[] f = failures.computeIfAbsent(name, k -> new int[2]);
              try {
                c.getValue().run(client, plain);
              } catch (Exception | AssertionError e) {
                failed = true;
                f[s]++;
                if (f[s] == 1) {
                  firstErrors.add((s == 0 ? "etcd" : "raftkv") + ", " + name + ": " + e);
                }
              }
            }
          }
          failedRuns[s] += failed ? 1 : 0;
        }
      }
    } finally {
      clients.forEach(Client::close);
    }
    StringBuilder report =
        new StringBuilder()
            .append("runs of the whole WatchTest that failed, of ")
            .append(RUNS)
            .append(": etcd ")
            .append(failedRuns[0])
            .append(", raftkv ")
            .append(failedRuns[1])
            .append("\ncase | etcd failures | raftkv failures\n");
    failures.forEach(
        (k, v) ->
            report.append(k).append(" | ").append(v[0]).append(" | ").append(v[1]).append('\n'));
    firstErrors.forEach(e -> report.append("first error: ").append(e).append('\n'));
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/jetcd-watch-runs.txt"), report.toString());
    System.out.print(report);
    assertThat(failedRuns[1])
        .as("runs that failed against raftkv (against etcd: %d)\n%s", failedRuns[0], report)
        .isLessThanOrEqualTo(failedRuns[0]);
  }

  private static Map<String, Case> cases() {
    Map<String, Case> c = new LinkedHashMap<>();
    c.put("namespaced and plain client", JetcdWatchTestIT::namespacedAndPlain);
    c.put("watch on put", JetcdWatchTestIT::watchOnPut);
    c.put("two watches of one key", JetcdWatchTestIT::multipleWatch);
    c.put("watch on delete", JetcdWatchTestIT::watchOnDelete);
    c.put("watch from a compacted revision", JetcdWatchTestIT::watchCompacted);
    c.put("no event after close", JetcdWatchTestIT::watchClose);
    c.put("progress request", JetcdWatchTestIT::progressRequest);
    c.put("watch and get from the callback", JetcdWatchTestIT::watchAndGet);
    c.put("a canceled watch completes", JetcdWatchTestIT::canceledWatchCompletes);
    c.put("created notify", JetcdWatchTestIT::createdNotify);
    return c;
  }

  private static void namespacedAndPlain(Client client, Client plain) throws Exception {
    if (client == plain) {
      return; // the case is about a namespaced client watching what a plain one writes
    }
    ByteSequence key = random();
    AtomicReference<WatchResponse> ref = new AtomicReference<>();
    try (Watch.Watcher w = client.getWatchClient().watch(key, ref::set)) {
      plain.getKVClient().put(NAMESPACE.concat(key), random()).get(WAIT_S, TimeUnit.SECONDS);
      await(() -> ref.get() != null);
      assertThat(ref.get().getEvents()).hasSize(1);
      assertThat(ref.get().getEvents().get(0).getKeyValue().getKey()).isEqualTo(key);
    }
  }

  private static void watchOnPut(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    AtomicReference<WatchResponse> ref = new AtomicReference<>();
    try (Watch.Watcher w = client.getWatchClient().watch(key, ref::set)) {
      client.getKVClient().put(key, random()).get(WAIT_S, TimeUnit.SECONDS);
      await(() -> ref.get() != null);
      assertThat(ref.get().getEvents()).hasSize(1);
      WatchEvent e = ref.get().getEvents().get(0);
      assertThat(e.getEventType()).isEqualTo(WatchEvent.EventType.PUT);
      assertThat(e.getKeyValue().getKey()).isEqualTo(key);
    }
  }

  private static void multipleWatch(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    List<WatchResponse> got = Collections.synchronizedList(new ArrayList<>());
    try (Watch.Watcher w1 = client.getWatchClient().watch(key, got::add);
        Watch.Watcher w2 = client.getWatchClient().watch(key, got::add)) {
      client.getKVClient().put(key, random()).get(WAIT_S, TimeUnit.SECONDS);
      await(() -> got.size() >= 2);
      assertThat(got).hasSize(2);
      assertThat(got.get(0).getEvents()).hasSize(1);
      assertThat(got.get(0).getEvents().get(0).getKeyValue().getModRevision())
          .isEqualTo(got.get(1).getEvents().get(0).getKeyValue().getModRevision());
    }
  }

  private static void watchOnDelete(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    client.getKVClient().put(key, random()).get(WAIT_S, TimeUnit.SECONDS);
    AtomicReference<WatchResponse> ref = new AtomicReference<>();
    try (Watch.Watcher w = client.getWatchClient().watch(key, ref::set)) {
      client.getKVClient().delete(key).get(WAIT_S, TimeUnit.SECONDS);
      await(() -> ref.get() != null);
      assertThat(ref.get().getEvents()).hasSize(1);
      assertThat(ref.get().getEvents().get(0).getEventType())
          .isEqualTo(WatchEvent.EventType.DELETE);
    }
  }

  /** Two puts of {@code key}, a compaction at the second: returns the revision before it. */
  private static long compactedRevision(Client client, ByteSequence key) throws Exception {
    client.getKVClient().put(key, random()).get(WAIT_S, TimeUnit.SECONDS);
    PutResponse p = client.getKVClient().put(key, random()).get(WAIT_S, TimeUnit.SECONDS);
    client.getKVClient().compact(p.getHeader().getRevision()).get(WAIT_S, TimeUnit.SECONDS);
    return p.getHeader().getRevision() - 1;
  }

  private static void watchCompacted(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    WatchOption o = WatchOption.builder().withRevision(compactedRevision(client, key)).build();
    AtomicReference<Throwable> error = new AtomicReference<>();
    try (Watch.Watcher w =
        client.getWatchClient().watch(key, o, Watch.listener(r -> {}, error::set))) {
      await(() -> error.get() != null);
      assertThat(error.get()).isInstanceOf(CompactedException.class);
    }
  }

  private static void watchClose(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    ByteSequence value = random();
    List<WatchResponse> got = Collections.synchronizedList(new ArrayList<>());
    try (Watch.Watcher w = client.getWatchClient().watch(key, got::add)) {
      client.getKVClient().put(key, value).get(WAIT_S, TimeUnit.SECONDS);
      await(() -> !got.isEmpty());
    }
    PutResponse after = client.getKVClient().put(key, random()).get(WAIT_S, TimeUnit.SECONDS);
    // a fresh watch that sees the second put proves it was applied and delivered by now
    AtomicReference<WatchResponse> witness = new AtomicReference<>();
    WatchOption from = WatchOption.builder().withRevision(after.getHeader().getRevision()).build();
    try (Watch.Watcher w = client.getWatchClient().watch(key, from, witness::set)) {
      await(() -> witness.get() != null);
    }
    assertThat(got).hasSize(1);
    assertThat(got.get(0).getEvents().get(0).getKeyValue().getValue()).isEqualTo(value);
  }

  private static void progressRequest(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    Watch watch = client.getWatchClient();
    AtomicReference<WatchResponse> active = new AtomicReference<>();
    AtomicReference<WatchResponse> empty = new AtomicReference<>();
    try (Watch.Watcher a = watch.watch(key, active::set);
        Watch.Watcher e = watch.watch(key.concat(random()), empty::set)) {
      watch.requestProgress();
      await(() -> active.get() != null && empty.get() != null);
      assertThat(active.get().isProgressNotify()).isTrue();
      assertThat(empty.get().isProgressNotify()).isTrue();
      assertThat(active.get().getHeader().getRevision())
          .isEqualTo(empty.get().getHeader().getRevision());
      active.set(null);
      empty.set(null);
      client.getKVClient().put(key, random()).get(WAIT_S, TimeUnit.SECONDS);
      await(() -> active.get() != null);
      assertThat(empty.get()).isNull();
      long latest = active.get().getHeader().getRevision();
      active.set(null);
      watch.requestProgress();
      await(() -> active.get() != null && empty.get() != null);
      assertThat(active.get().isProgressNotify()).isTrue();
      assertThat(empty.get().isProgressNotify()).isTrue();
      assertThat(active.get().getHeader().getRevision())
          .isEqualTo(empty.get().getHeader().getRevision())
          .isEqualTo(latest);
    }
  }

  private static void watchAndGet(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    ByteSequence value = random();
    AtomicReference<KeyValue> read = new AtomicReference<>();
    try (Watch.Watcher w =
        client
            .getWatchClient()
            .watch(
                key,
                r -> {
                  for (WatchEvent e : r.getEvents()) {
                    if (e.getEventType() == WatchEvent.EventType.PUT) {
                      client
                          .getKVClient()
                          .get(e.getKeyValue().getKey())
                          .thenAccept(
                              g -> read.set(g.getKvs().isEmpty() ? null : g.getKvs().get(0)));
                    }
                  }
                })) {
      client.getKVClient().put(key, value).get(WAIT_S, TimeUnit.SECONDS);
      await(() -> read.get() != null);
      assertThat(read.get().getValue()).isEqualTo(value);
    }
  }

  private static void canceledWatchCompletes(Client client, Client plain) throws Exception {
    ByteSequence key = random();
    WatchOption o = WatchOption.builder().withRevision(compactedRevision(client, key)).build();
    AtomicReference<Throwable> error = new AtomicReference<>();
    AtomicReference<Boolean> completed = new AtomicReference<>();
    try (Watch.Watcher w =
        client
            .getWatchClient()
            .watch(key, o, Watch.listener(r -> {}, error::set, () -> completed.set(true)))) {
      await(() -> error.get() != null);
      assertThat(error.get()).isInstanceOf(CompactedException.class);
      assertThat(completed.get()).isTrue();
    }
  }

  private static void createdNotify(Client client, Client plain) throws Exception {
    WatchOption o = WatchOption.builder().withCreateNotify(true).build();
    AtomicReference<WatchResponse> ref = new AtomicReference<>();
    try (Watch.Watcher w = client.getWatchClient().watch(random(), o, ref::set)) {
      await(() -> ref.get() != null);
      assertThat(ref.get().getEvents()).isEmpty();
      assertThat(ref.get().isCreatedNotify()).isTrue();
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("within %d s", WAIT_S).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static ByteSequence random() {
    return bs(UUID.randomUUID().toString());
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}

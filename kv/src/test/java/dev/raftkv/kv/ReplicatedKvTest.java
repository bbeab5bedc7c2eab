package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Role;
import dev.raftkv.runtime.RaftRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KV store replicated by three Raft runtimes on real threads (in-memory logs). */
class ReplicatedKvTest {
  private static final Set<Long> VOTERS = Set.of(1L, 2L, 3L);

  @TempDir Path dir;
  private final Map<Long, RaftRuntime> runtimes = new ConcurrentHashMap<>();
  private final Map<Long, MemoryStorage> logs = new HashMap<>();
  private final Map<Long, KvStateMachine> machines = new HashMap<>();
  private final Set<Long> cutOff = ConcurrentHashMap.newKeySet();

  @AfterEach
  void stop() {
    runtimes.values().forEach(RaftRuntime::close);
    machines.values().forEach(KvStateMachine::close);
  }

  private void route(Message m) {
    RaftRuntime to = runtimes.get(m.to());
    if (to != null && !cutOff.contains(m.to()) && !cutOff.contains(m.from())) {
      to.deliver(m);
    }
  }

  private void start(long id) {
    logs.computeIfAbsent(id, k -> MemoryStorage.bootstrap(VOTERS));
    machines.put(id, KvStateMachine.open(dir.resolve("db" + id), KvOptions.DEFAULTS));
    runtimes.put(
        id,
        new RaftRuntime(
            RaftConfig.defaults(id).withSnapshots(4096, 2),
            logs.get(id),
            machines.get(id),
            this::route,
            RaftRuntime.threadTicker(),
            Duration.ofMillis(10),
            8,
            new Random(id)));
  }

  private static void await(String what, BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private long leader() throws InterruptedException {
    long[] l = new long[1];
    await(
        "a leader",
        () ->
            runtimes.values().stream()
                .filter(r -> !cutOff.contains(r.id()) && r.status().role() == Role.LEADER)
                .findFirst()
                .map(r -> l[0] = r.id())
                .isPresent());
    return l[0];
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Put.Result put(long at, String key, String value) throws Exception {
    ApplyResult r =
        (ApplyResult)
            runtimes
                .get(at)
                .propose(KvCommands.encode(Put.of(b(key), b(value))))
                .get(20, TimeUnit.SECONDS)
                .result();
    return (Put.Result) r.results().get(0).response();
  }

  private String get(long at, String key) throws Exception {
    runtimes.get(at).readIndex().get(20, TimeUnit.SECONDS);
    Range.Result r = machines.get(at).store().range(Range.get(b(key)));
    return r.kvs().isEmpty() ? null : new String(r.kvs().get(0).value(), StandardCharsets.UTF_8);
  }

  @Test
  void writesOnAnyMemberAreReadLinearizablyEverywhereWithOneRevisionSequence() throws Exception {
    VOTERS.forEach(this::start);
    long leader = leader();
    long follower = VOTERS.stream().filter(i -> i != leader).findFirst().orElseThrow();
    Put.Result p1 = put(leader, "foo", "bar");
    Put.Result p2 = put(follower, "foo", "baz");
    assertThat(p2.revision()).isEqualTo(p1.revision() + 1);
    for (long id : VOTERS) {
      assertThat(get(id, "foo")).isEqualTo("baz");
    }
    await(
        "equal hashes",
        () ->
            VOTERS.stream().map(id -> machines.get(id).store().revision()).distinct().count() == 1);
    long rev = machines.get(leader).store().revision();
    assertThat(machines.get(follower).store().hashKV(rev))
        .isEqualTo(machines.get(leader).store().hashKV(rev));
  }

  @Test
  void aFarBehindMemberIsRestoredFromACheckpointSnapshot() throws Exception {
    VOTERS.forEach(this::start);
    long leader = leader();
    long lagging = VOTERS.stream().filter(i -> i != leader).findFirst().orElseThrow();
    cutOff.add(lagging);
    for (int i = 0; i < 40; i++) {
      put(leader, "k" + i, "v" + i);
    }
    await(
        "the leader to compact past the lagging member",
        () -> logs.get(leader).firstIndex() > logs.get(lagging).lastIndex() + 1);
    cutOff.remove(lagging);
    await(
        "the lagging member to catch up",
        () -> {
          try {
            return "v39".equals(get(lagging, "k39"));
          } catch (Exception e) {
            return false;
          }
        });
    assertThat(logs.get(lagging).snapshot().isEmpty()).isFalse();
    long rev = machines.get(leader).store().revision();
    await("same revision", () -> machines.get(lagging).store().revision() == rev);
    assertThat(machines.get(lagging).store().hashKV(rev))
        .isEqualTo(machines.get(leader).store().hashKV(rev));
  }
}

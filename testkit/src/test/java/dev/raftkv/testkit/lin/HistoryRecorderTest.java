package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryRecorderTest {

  @Test
  void recordsTimesFromTheClockAndLeavesUnansweredOperationsUnknown() {
    AtomicLong clock = new AtomicLong();
    HistoryRecorder rec = new HistoryRecorder(() -> clock.addAndGet(10));
    long put = rec.invokePut(1, "k", "a"); // t=10
    long get = rec.invokeGet(2, "k"); // t=20
    long cas = rec.invokeCasModRev(3, "k", 0, "b"); // t=30
    long del = rec.invokeDelete(4, "k"); // t=40
    rec.completeWrite(put, false, 2); // t=50
    rec.completeGet(get, "a", 2, 2, 1, 2); // t=60
    rec.fail(del); // t=70

    List<Op> h = rec.history();
    assertThat(h).extracting(Op::id).containsExactly(put, get, cas, del);
    assertThat(h.get(0).brief()).isEqualTo("#1 c1 put k=\"a\" [10..50] ok rev=2");
    assertThat(h.get(1).brief())
        .isEqualTo("#2 c2 get k [20..60] ok -> \"a\" mod=2 create=2 ver=1 rev=2");
    assertThat(h.get(2).brief()).isEqualTo("#3 c3 cas k if mod=0 then=\"b\" [30..] unknown");
    assertThat(h.get(3).brief()).isEqualTo("#4 c4 delete k [40..70] fail");
    assertThat(LinearizabilityChecker.check(h, Duration.ofSeconds(1)).isLinearizable()).isTrue();
  }

  @Test
  void anOperationCompletesOnce() {
    HistoryRecorder rec = new HistoryRecorder(() -> 0);
    long put = rec.invokePut(1, "k", "a");
    rec.completeWrite(put, false, 2);
    assertThatThrownBy(() -> rec.fail(put)).hasMessage("operation 1 was already completed");
    assertThatThrownBy(() -> rec.completeWrite(99, false, 2)).hasMessage("no operation 99");
  }

  /** A tiny etcd-like store, linearizable because every call holds its lock. */
  private static final class LockedStore {
    private final Map<String, long[]> meta = new HashMap<>(); // mod, create, version
    private final Map<String, String> values = new HashMap<>();
    private long revision = 1;

    synchronized Object[] get(String key) {
      long[] m = meta.get(key);
      return new Object[] {values.get(key), m, revision};
    }

    synchronized long put(String key, String value) {
      revision++;
      long[] m = meta.get(key);
      meta.put(
          key,
          m == null ? new long[] {revision, revision, 1} : new long[] {revision, m[1], m[2] + 1});
      values.put(key, value);
      return revision;
    }

    synchronized long[] casModRev(String key, long expect, String value) {
      long[] m = meta.get(key);
      if ((m == null ? 0 : m[0]) != expect) {
        return new long[] {0, revision};
      }
      return new long[] {1, put(key, value)};
    }

    synchronized long[] delete(String key) {
      if (values.remove(key) == null) {
        return new long[] {0, revision};
      }
      meta.remove(key);
      return new long[] {1, ++revision};
    }
  }

  @Test
  void concurrentClientsOnRealThreadsGiveALinearizableHistory(@TempDir Path dir) throws Exception {
    HistoryRecorder rec = new HistoryRecorder(System::nanoTime);
    LockedStore store = new LockedStore();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int client = c;
      threads.add(
          new Thread(
              () -> {
                Random rnd = new Random(client);
                for (int i = 0; i < 300; i++) {
                  String key = "k" + rnd.nextInt(3);
                  boolean timesOut = rnd.nextInt(50) == 0; // answer lost: stays unknown
                  switch (rnd.nextInt(4)) {
                    case 0 -> {
                      long id = rec.invokeGet(client, key);
                      Object[] r = store.get(key);
                      long[] m = (long[]) r[1];
                      if (!timesOut) {
                        rec.completeGet(
                            id,
                            (String) r[0],
                            m == null ? -1 : m[0],
                            m == null ? -1 : m[1],
                            m == null ? -1 : m[2],
                            (Long) r[2]);
                      }
                    }
                    case 1 -> {
                      String value = client + "-" + i;
                      long id = rec.invokePut(client, key, value);
                      long rev = store.put(key, value);
                      if (!timesOut) {
                        rec.completeWrite(id, false, rev);
                      }
                    }
                    case 2 -> {
                      long expect = rnd.nextInt(20);
                      String value = client + "-" + i;
                      long id = rec.invokeCasModRev(client, key, expect, value);
                      long[] r = store.casModRev(key, expect, value);
                      if (!timesOut) {
                        rec.completeWrite(id, r[0] == 1, r[1]);
                      }
                    }
                    default -> {
                      long id = rec.invokeDelete(client, key);
                      long[] r = store.delete(key);
                      if (!timesOut) {
                        rec.completeWrite(id, r[0] == 1, r[1]);
                      }
                    }
                  }
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    Path file = dir.resolve("history.jsonl");
    rec.writeTo(file);

    assertThat(Files.readAllLines(file)).hasSize(1200);
    assertThat(HistoryJson.read(file)).isEqualTo(rec.history());
    CheckResult r = LinearizabilityChecker.checkFile(file, Duration.ofSeconds(10));
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.LINEARIZABLE);
  }
}

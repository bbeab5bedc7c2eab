package dev.raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.HardState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real child JVM appends entries and prints each index once its sync has completed; the parent
 * kills it with SIGKILL ({@code destroyForcibly}) at varying moments, reopens the data dir, and
 * checks that every index the child printed is present with its exact data.
 */
class KillNineTest {
  static final ConfState CONF = ConfState.ofVoters(Set.of(1L));
  static final StorageOptions OPTIONS = StorageOptions.DEFAULT.withSegmentBytes(256 << 10);

  @TempDir Path dir;

  static byte[] data(long index) {
    byte[] d = new byte[(int) (index % 200)];
    for (int i = 0; i < d.length; i++) {
      d[i] = (byte) (index * 131 + i);
    }
    return d;
  }

  /** The child: append and acknowledge until killed. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    DiskStorage s = DiskStorage.open(Path.of(args[0]), OPTIONS, 9, 1, CONF);
    long next = s.lastIndex() + 1;
    out.println("ready " + (next - 1));
    out.flush();
    while (true) {
      int n = 1 + (int) (next % 7);
      Entry[] batch = new Entry[n];
      for (int i = 0; i < n; i++) {
        batch[i] = Entry.normal(1, next + i, data(next + i));
      }
      s.persist(List.of(batch), new HardState(1, 1, next + n - 1)).join();
      next += n;
      out.println(next - 1);
      out.flush();
    }
  }

  @Test
  void everyAcknowledgedRecordSurvivesKillNine() throws Exception {
    long maxAcked = 0;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int round = 0; round < 12; round++) {
      Process p =
          new ProcessBuilder(
                  java,
                  "-Xshare:auto",
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  System.getProperty("java.class.path"),
                  KillNineTest.class.getName(),
                  dir.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      long acked = maxAcked;
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String ready = r.readLine();
        assertThat(ready).as("child started").startsWith("ready ");
        assertThat(Long.parseLong(ready.substring(6))).isGreaterThanOrEqualTo(maxAcked);
        int target = 50 + round * 37 % 300;
        for (int i = 0; i < target; i++) {
          String line = r.readLine();
          if (line == null) {
            break;
          }
          acked = Long.parseLong(line.trim());
        }
        p.destroyForcibly();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      } finally {
        p.destroyForcibly();
      }
      try (DiskStorage s = DiskStorage.open(dir, OPTIONS, 9, 1, CONF)) {
        assertThat(s.lastIndex()).as("round %d", round).isGreaterThanOrEqualTo(acked);
        List<Entry> all = s.entries(1, acked + 1, Long.MAX_VALUE);
        for (Entry e : all) {
          assertThat(e.data()).as("entry %d", e.index()).isEqualTo(data(e.index()));
        }
        assertThat(s.initialState().hardState().commit()).isGreaterThanOrEqualTo(acked);
      }
      maxAcked = acked;
    }
    assertThat(maxAcked).isGreaterThan(500);
  }
}

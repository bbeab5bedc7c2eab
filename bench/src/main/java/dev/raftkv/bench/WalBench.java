package dev.raftkv.bench;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.storage.DiskStorage;
import dev.raftkv.storage.StorageOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * WAL throughput against the raw limit of the disk, side by side: a plain {@code FileChannel.write}
 * + {@code force(false)} loop of 128-byte writes into a preallocated file, and {@link DiskStorage}
 * appending 128-byte entries with one sync per append (blocking {@code syncNow()}, and {@code
 * sync().join()}) and with batches of 16 and 256 entries per {@code syncNow()}.
 *
 * <p>The machine is shared and noisy, so the cases run interleaved in 100 ms slices, round-robin
 * with a rotating start, until each has run for the given time: slow phases of the machine hit all
 * cases alike. Each round prints its figures; the summary is the median over rounds.
 *
 * <p>Usage: {@code java -jar bench/target/benchmarks.jar [seconds-per-case] [rounds] [dir]}.
 */
public final class WalBench {
  private static final int ENTRY_BYTES = 128;
  private static final long SLICE_NANOS = 100_000_000;

  private WalBench() {}

  /** One benchmark case: an operation that writes {@code entries} entries durably. */
  private interface Case extends Closeable {
    void op() throws IOException;
  }

  private record Named(String name, int entries, Case c) {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path base =
        args.length > 2
            ? Files.createDirectories(Path.of(args[2]))
            : Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "walbench");
    String[] names = {
      "raw FileChannel write+force(false)",
      "WAL 1 entry per syncNow()",
      "WAL 1 entry per sync().join()",
      "WAL 16 entries per syncNow()",
      "WAL 256 entries per syncNow()"
    };
    int[] batch = {1, 1, 1, 16, 256};
    double[][] rate = new double[names.length][rounds];
    System.out.println(
        "entries/s per round: raw, WAL 1/syncNow, WAL 1/sync().join, WAL 16/syncNow, WAL"
            + " 256/syncNow");
    try {
      for (int r = 0; r < rounds; r++) {
        Path dir = Files.createDirectories(base.resolve("round" + r));
        List<Named> cases = new ArrayList<>();
        cases.add(new Named(names[0], 1, raw(dir.resolve("raw"))));
        cases.add(new Named(names[1], 1, wal(dir.resolve("now1"), 1, true)));
        cases.add(new Named(names[2], 1, wal(dir.resolve("join1"), 1, false)));
        cases.add(new Named(names[3], 16, wal(dir.resolve("now16"), 16, true)));
        cases.add(new Named(names[4], 256, wal(dir.resolve("now256"), 256, true)));
        double[] got = runInterleaved(cases, seconds);
        StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
        for (int c = 0; c < got.length; c++) {
          rate[c][r] = got[c];
          line.append(String.format(" %.0f", got[c]));
        }
        System.out.println(line);
        deleteTree(dir);
      }
    } finally {
      deleteTree(base);
    }
    System.out.printf(
        "%nmedian of %d rounds, %.1f s per case per round, 128-byte entries:%n%-36s %12s %10s%n",
        rounds, seconds, "case", "entries/s", "syncs/s");
    for (int c = 0; c < names.length; c++) {
      double m = median(rate[c]);
      System.out.printf("%-36s %12.0f %10.0f%n", names[c], m, m / batch[c]);
    }
    double[] ratioNow = new double[rounds];
    double[] ratioJoin = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratioNow[r] = rate[1][r] / rate[0][r];
      ratioJoin[r] = rate[2][r] / rate[0][r];
    }
    System.out.printf(
        "WAL 1 entry/sync vs raw (median of per-round ratios): syncNow %.1f%%, sync().join"
            + " %.1f%% (bar >= 85%%)%nWAL 256 entries/sync: %.0f entries/s (bar >= 250000)%n",
        100 * median(ratioNow), 100 * median(ratioJoin), median(rate[4]));
  }

  /** Warms every case up, then runs them round-robin in slices; returns entries/s per case. */
  private static double[] runInterleaved(List<Named> cases, double seconds) throws IOException {
    int n = cases.size();
    long[] ops = new long[n];
    long[] nanos = new long[n];
    try {
      for (Named c : cases) {
        long end = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < end) {
          c.c.op();
        }
      }
      long perCase = (long) (seconds * 1e9);
      for (int cycle = 0; nanos[0] < perCase; cycle++) {
        for (int k = 0; k < n; k++) {
          int i = (cycle + k) % n; // rotate, so no case always follows the same one
          Case c = cases.get(i).c;
          long start = System.nanoTime();
          long end = start + SLICE_NANOS;
          long now;
          do {
            c.op();
            ops[i]++;
            now = System.nanoTime();
          } while (now < end);
          nanos[i] += now - start;
        }
      }
    } finally {
      for (Named c : cases) {
        c.c.close();
      }
    }
    double[] rates = new double[n];
    for (int i = 0; i < n; i++) {
      rates[i] = ops[i] * cases.get(i).entries / (nanos[i] / 1e9);
    }
    return rates;
  }

  /** 128-byte positional writes, each followed by force(false), into a 64 MiB zero-filled file. */
  private static Case raw(Path dir) throws IOException {
    Files.createDirectories(dir);
    FileChannel ch =
        FileChannel.open(
            dir.resolve("raw"),
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
    for (int i = 0; i < 64; i++) {
      zeros.clear();
      ch.write(zeros);
    }
    ch.force(true);
    ByteBuffer b = ByteBuffer.allocate(ENTRY_BYTES);
    long[] pos = {0};
    return new Case() {
      @Override
      public void op() throws IOException {
        b.clear();
        pos[0] = (pos[0] + ch.write(b, pos[0])) % (64 << 20);
        ch.force(false);
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    };
  }

  /** {@code batch} 128-byte entries appended, then made durable. */
  private static Case wal(Path dir, int batch, boolean blocking) {
    DiskStorage s =
        DiskStorage.open(dir, StorageOptions.DEFAULT, 1, 1, ConfState.ofVoters(Set.of(1L)));
    byte[] data = new byte[ENTRY_BYTES];
    return new Case() {
      @Override
      public void op() {
        long next = s.lastIndex() + 1;
        List<Entry> entries = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          entries.add(Entry.normal(1, next + i, data));
        }
        s.append(entries);
        if (blocking) {
          s.syncNow();
        } else {
          s.sync().join();
        }
        if (next % 65536 < batch) {
          s.compact(next - 1); // keeps the in-memory log small; deletes nothing without a snapshot
        }
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

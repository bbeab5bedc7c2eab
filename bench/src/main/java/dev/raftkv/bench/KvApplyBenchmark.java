package dev.raftkv.bench;

import dev.raftkv.kv.ApplyResult;
import dev.raftkv.kv.Compact;
import dev.raftkv.kv.KvCommands;
import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.Range;
import dev.raftkv.raft.Entry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The KV apply path on a real RocksDB store (in a temp dir made per trial and deleted after it),
 * one thread, no Raft: {@link KvStore#applyAll} of batches of puts, {@link KvStateMachine#apply} of
 * the same puts as encoded log entries (so command decoding is included), and a single-key range at
 * the current revision, the read a linearizable get ends with once its ReadIndex is applied.
 *
 * <p>The key space is fixed: {@value #KEYS} keys of {@value #KEY_PREFIX}NNNNN, preloaded, each put
 * overwriting one of them (in a fixed shuffled order) with a {@value #VALUE_BYTES}-byte value. So
 * the key index and the set of present keys never grow; the MVCC history does (one version per
 * put), and by default ({@link #compact}) it is compacted to the current revision and flushed
 * before every iteration, outside the measured time, so each iteration starts from the same shape
 * of store. One operation is one put (or one range); {@code -prof gc}'s {@code gc.alloc.rate.norm}
 * is then bytes per put, but JMH counts what an iteration's setup allocates in it too, so with
 * {@code compact=true} the figure includes the compaction of the previous iteration's history;
 * {@code -p compact=false} gives the apply path's own allocation (and lets the history grow for the
 * whole trial).
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.openjdk.jmh.Main KvApply}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class KvApplyBenchmark {
  static final int KEYS = 10_000;
  static final int VALUE_BYTES = 256;
  static final String KEY_PREFIX = "/registry/bench/key-";

  /** Distinct values cycled through (values are not compared, only stored). */
  private static final int VALUES = 64;

  /** Compact the history and flush before every iteration (see the class comment). */
  @Param({"true"})
  public boolean compact;

  private Path dir;
  private KvStateMachine machine;
  private KvStore store;

  /** Puts in the order they are applied (every key once, shuffled), and their encoded commands. */
  private Put[] puts;

  private byte[][] commands;

  /** The same keys in a different shuffled order, for the reads. */
  private byte[][] readKeys;

  private int next;
  private int nextRead;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("kvapplybench");
    machine = KvStateMachine.open(dir.resolve("db"), KvOptions.DEFAULTS.withGrantedLeases());
    store = machine.store();
    Random r = new Random(42);
    byte[][] values = new byte[VALUES][VALUE_BYTES];
    for (byte[] v : values) {
      r.nextBytes(v);
    }
    byte[][] keys = new byte[KEYS][];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = String.format("%s%05d", KEY_PREFIX, i).getBytes(StandardCharsets.UTF_8);
    }
    puts = new Put[KEYS];
    commands = new byte[KEYS][];
    readKeys = new byte[KEYS][];
    int[] writeOrder = shuffled(r);
    int[] readOrder = shuffled(r);
    for (int i = 0; i < KEYS; i++) {
      puts[i] = Put.of(keys[writeOrder[i]], values[i % VALUES]);
      commands[i] = KvCommands.encode(puts[i]);
      readKeys[i] = keys[readOrder[i]];
    }
    // Preload every key, 100 entries per write batch.
    for (int i = 0; i < KEYS; i += 100) {
      List<KvStore.Entry> batch = new ArrayList<>(100);
      for (int j = i; j < i + 100; j++) {
        batch.add(new KvStore.Entry(store.appliedIndex() + 1 + j - i, List.of(puts[j])));
      }
      store.applyAll(batch);
    }
    if (store.range(Range.get(readKeys[0])).kvs().size() != 1) {
      throw new IllegalStateException("preload did not write the keys");
    }
  }

  private static int[] shuffled(Random r) {
    int[] order = new int[KEYS];
    for (int i = 0; i < KEYS; i++) {
      order[i] = i;
    }
    for (int i = KEYS - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /**
   * Drops the history the last iteration wrote (a compaction to the current revision, applied as a
   * log entry would be) and flushes the memtables: every iteration starts with one version per key.
   */
  @Setup(Level.Iteration)
  public void compactHistory() {
    if (!compact) {
      return;
    }
    if (store.revision() > Math.max(store.compactedRevision(), 1)) {
      ApplyResult r = store.apply(store.appliedIndex() + 1, List.of(new Compact(store.revision())));
      if (r.results().get(0).error() != null) {
        throw new IllegalStateException("compaction refused: " + r.results().get(0).error());
      }
    }
    store.sync();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    machine.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** {@code n} store entries of one put each, indexes following the applied index. */
  private List<KvStore.Entry> putEntries(int n) {
    long index = store.appliedIndex();
    List<KvStore.Entry> batch = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      batch.add(new KvStore.Entry(++index, List.of(puts[next])));
      next = next + 1 == KEYS ? 0 : next + 1;
    }
    return batch;
  }

  /** {@code n} Raft log entries of one encoded put each, indexes following the applied index. */
  private List<Entry> logEntries(int n) {
    long index = store.appliedIndex();
    List<Entry> batch = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      batch.add(Entry.normal(1, ++index, commands[next]));
      next = next + 1 == KEYS ? 0 : next + 1;
    }
    return batch;
  }

  /** One put per write batch: what a lightly loaded node applies per commit. */
  @Benchmark
  public List<ApplyResult> applyAll1() {
    return store.applyAll(putEntries(1));
  }

  /** 64 entries of one put each in one write batch: the apply path's group commit. */
  @Benchmark
  @OperationsPerInvocation(64)
  public List<ApplyResult> applyAll64() {
    return store.applyAll(putEntries(64));
  }

  /** {@link #applyAll1} through the state machine: the entry's command is decoded first. */
  @Benchmark
  public List<ApplyResult> stateMachineApply1() {
    return machine.apply(logEntries(1));
  }

  /** {@link #applyAll64} through the state machine: 64 commands decoded, one write batch. */
  @Benchmark
  @OperationsPerInvocation(64)
  public List<ApplyResult> stateMachineApply64() {
    return machine.apply(logEntries(64));
  }

  /** A get of one key at the current revision (the key index and its cached value). */
  @Benchmark
  public void rangeCurrent(Blackhole bh) {
    Range.Result r = store.range(Range.get(readKeys[nextRead]));
    nextRead = nextRead + 1 == KEYS ? 0 : nextRead + 1;
    bh.consume(r);
  }

  /**
   * The same get with the current revision given explicitly, which takes the general read path (a
   * RocksDB snapshot and a seek) instead of the key index: the price of a read at a revision.
   */
  @Benchmark
  public void rangeAtRevision(Blackhole bh) {
    Range.Result r = store.range(Range.get(readKeys[nextRead]).atRevision(store.revision()));
    nextRead = nextRead + 1 == KEYS ? 0 : nextRead + 1;
    bh.consume(r);
  }
}

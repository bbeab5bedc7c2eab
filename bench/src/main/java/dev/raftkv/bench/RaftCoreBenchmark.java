package dev.raftkv.bench;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Three in-memory Raft nodes driven in one thread, no I/O: how many 128-byte entries per second the
 * algorithm itself commits. One operation is one committed entry; each invocation proposes a batch
 * at the leader and pumps Readys and messages until the leader's commit index covers it.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RaftCoreBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RaftCoreBenchmark {
  /** Entries proposed per invocation (the leader batches them into shared appends). */
  static final int BATCH = 1024;

  private final RaftNode[] nodes = new RaftNode[3];
  private final MemoryStorage[] storages = new MemoryStorage[3];
  private final ArrayDeque<Message> network = new ArrayDeque<>();
  private RaftNode leader;
  private List<byte[]> payloads;

  @Setup(Level.Trial)
  public void setUp() {
    for (int i = 0; i < 3; i++) {
      storages[i] = new MemoryStorage(ConfState.ofVoters(Set.of(1L, 2L, 3L)));
      nodes[i] = new RaftNode(RaftConfig.defaults(i + 1), storages[i], new Random(i));
    }
    nodes[0].campaign();
    pump();
    leader = nodes[0];
    if (leader.role() != Role.LEADER) {
      throw new IllegalStateException("node 1 did not become leader: " + leader.status());
    }
    payloads = new ArrayList<>();
    Random r = new Random(7);
    for (int i = 0; i < BATCH; i++) {
      byte[] data = new byte[128];
      r.nextBytes(data);
      payloads.add(data);
    }
  }

  /** Keeps memory flat: drops applied entries from every node's storage. */
  @Setup(Level.Iteration)
  public void compact() {
    for (int i = 0; i < 3; i++) {
      long applied = nodes[i].status().applied();
      storages[i].compact(Math.min(applied, storages[i].lastIndex()));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long commitBatch() {
    long target = leader.lastIndex() + BATCH;
    leader.proposeAll(payloads);
    while (leader.commitIndex() < target) {
      if (!pump()) {
        throw new IllegalStateException("stalled at commit " + leader.commitIndex());
      }
    }
    return leader.commitIndex();
  }

  /** Handles every Ready and delivers every message until quiet; returns whether anything moved. */
  private boolean pump() {
    boolean moved = false;
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < 3; i++) {
        RaftNode n = nodes[i];
        if (n.hasReady()) {
          Ready rd = n.ready();
          network.addAll(rd.messages());
          storages[i].append(rd.entries());
          if (rd.hardState() != null) {
            storages[i].setHardState(rd.hardState());
          }
          network.addAll(rd.messagesAfterPersist());
          n.advance(rd);
          progress = true;
        }
      }
      Message m;
      while ((m = network.poll()) != null) {
        nodes[(int) m.to() - 1].step(m);
        progress = true;
      }
      moved |= progress;
    }
    return moved;
  }
}

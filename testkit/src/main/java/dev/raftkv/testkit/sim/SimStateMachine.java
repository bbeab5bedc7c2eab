package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.runtime.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A state machine that persists itself the way the KV store does: its applied state (the writes, in
 * order, and the applied index) lives in memory, and a durable copy of it is taken only now and
 * then (the store flushes RocksDB when memtables fill, without a WAL of its own), always at a
 * snapshot (a checkpoint flushes) and at a restore. A crash keeps only the durable copy; the next
 * incarnation starts from it, and the driver must replay the Raft log from its {@link
 * #appliedIndex()}.
 *
 * <p>It checks the contract of {@link StateMachine#apply}: entries come in log order, each index
 * exactly once per state (never at or below the applied index, never with a gap after it).
 * Violations are thrown as {@link InvariantViolation}.
 */
final class SimStateMachine implements StateMachine {

  /** One normal entry with data that was applied. */
  record Write(long index, String value) {}

  /** The durable copy of a member's machine, which outlives its incarnations. */
  static final class Disk {
    private List<Write> writes = List.of();
    private long applied;
    private long flushes;

    long applied() {
      return applied;
    }

    long flushes() {
      return flushes;
    }
  }

  /** What the simulator hears of applies, for State Machine Safety across members. */
  interface Listener {
    void applied(Entry e);

    /** The whole state was replaced by a snapshot's. */
    void restored(long index, List<Write> writes);
  }

  private final long member;
  private final Disk disk;
  private final double flushChance;
  private final Random random;
  private final Listener listener;
  private final List<Write> writes;
  private long applied;

  /**
   * The machine of a new incarnation of {@code member}, starting from its durable copy.
   *
   * @param flushChance the chance that an apply batch is followed by a flush of the durable copy
   */
  SimStateMachine(long member, Disk disk, double flushChance, Random random, Listener listener) {
    this.member = member;
    this.disk = disk;
    this.flushChance = flushChance;
    this.random = random;
    this.listener = listener;
    this.writes = new ArrayList<>(disk.writes);
    this.applied = disk.applied;
  }

  @Override
  public List<?> apply(List<Entry> entries) {
    List<String> results = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      if (e.index() <= applied) {
        throw new InvariantViolation(
            "Exactly-once apply",
            "member "
                + member
                + " was handed entry "
                + e.index()
                + " again, at or below its applied index "
                + applied);
      }
      if (e.index() != applied + 1) {
        throw new InvariantViolation(
            "Apply in log order",
            "member " + member + " was handed entry " + e.index() + " after " + applied);
      }
      listener.applied(e);
      String value = null;
      if (e.type() == EntryType.NORMAL && e.data().length > 0) {
        value = new String(e.data(), StandardCharsets.UTF_8);
        writes.add(new Write(e.index(), value));
      }
      results.add(value);
      applied = e.index();
    }
    if (random.nextDouble() < flushChance) {
      flush();
    }
    return results;
  }

  @Override
  public long appliedIndex() {
    return applied;
  }

  @Override
  public byte[] snapshot() {
    return captureSnapshot().get();
  }

  /**
   * A checkpoint, as the KV store takes one: flushes, freezes the state now, and serializes it
   * later (on the snapshot thread) while this machine goes on applying.
   */
  @Override
  public Supplier<byte[]> captureSnapshot() {
    flush();
    List<Write> frozen = List.copyOf(writes);
    return () -> encode(frozen);
  }

  private static byte[] encode(List<Write> writes) {
    StringBuilder sb = new StringBuilder();
    for (Write w : writes) {
      sb.append(w.index()).append(' ').append(w.value()).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void restore(Snapshot snapshot) {
    List<Write> restored = new ArrayList<>();
    String s = new String(snapshot.data(), StandardCharsets.UTF_8);
    for (String line : s.split("\n")) {
      if (!line.isEmpty()) {
        int sp = line.indexOf(' ');
        restored.add(new Write(Long.parseLong(line.substring(0, sp)), line.substring(sp + 1)));
      }
    }
    writes.clear();
    writes.addAll(restored);
    applied = snapshot.metadata().index();
    listener.restored(applied, restored);
    flush();
  }

  /** The writes applied, in order. */
  List<Write> writes() {
    return writes;
  }

  private void flush() {
    disk.writes = List.copyOf(writes);
    disk.applied = applied;
    disk.flushes++;
  }
}

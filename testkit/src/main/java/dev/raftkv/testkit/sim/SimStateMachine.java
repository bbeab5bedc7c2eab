package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.runtime.SnapshotSource;
import dev.raftkv.runtime.StateMachine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A state machine that persists itself the way the KV store does: its applied state (the writes, in
 * order, and the applied index) lives in memory, and a durable copy of it is taken only now and
 * then (the store flushes RocksDB when memtables fill, without a WAL of its own), always at a
 * snapshot (a checkpoint flushes) and at a restore. A crash keeps only the durable copy; the next
 * incarnation starts from it, and the driver must replay the Raft log from its {@link
 * #appliedIndex()}.
 *
 * <p>In reference mode it also snapshots as the KV store does: {@link #captureSnapshot} keeps a
 * durable checkpoint named by the applied index (deleted once the runtime's store holds a newer
 * snapshot: {@link #snapshotInstalled}) and returns only a 16-byte reference to it, which the
 * runtime stores; {@link #snapshotSource} makes the bytes a follower needs from the checkpoint, and
 * {@link #restore} of a reference puts the checkpoint back. A reference to a deleted checkpoint
 * throws, as the KV store's does.
 *
 * <p>It checks the contract of {@link StateMachine#apply}: entries come in log order, each index
 * exactly once per state (never at or below the applied index, never with a gap after it).
 * Violations are thrown as {@link InvariantViolation}.
 */
final class SimStateMachine implements StateMachine {

  /** One normal entry with data that was applied. */
  record Write(long index, String value) {}

  /** The durable copy of a member's machine and its checkpoints, which outlive incarnations. */
  static final class Disk {
    private List<Write> writes = List.of();
    private long applied;
    private long flushes;
    private final TreeMap<Long, List<Write>> checkpoints = new TreeMap<>();

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

    /** A snapshot reference named a checkpoint that was deleted (about to throw). */
    default void checkpointGone(long index) {}
  }

  /** The first bytes of a snapshot reference, then the checkpoint's index (8 bytes). */
  private static final byte[] REFERENCE = "SIMCKPT1".getBytes(StandardCharsets.US_ASCII);

  private final long member;
  private final Disk disk;
  private final boolean references;
  private final double flushChance;
  private final Random random;
  private final Listener listener;
  private final List<Write> writes;
  private long applied;

  /**
   * The machine of a new incarnation of {@code member}, starting from its durable copy.
   *
   * @param flushChance the chance that an apply batch is followed by a flush of the durable copy
   * @param references whether snapshots are references to checkpoints kept by the machine
   */
  SimStateMachine(
      long member,
      Disk disk,
      double flushChance,
      boolean references,
      Random random,
      Listener listener) {
    this.member = member;
    this.disk = disk;
    this.references = references;
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
   * A checkpoint, as the KV store takes one: flushes and freezes the state now; returns what
   * serializes it later (on the snapshot thread) while this machine goes on applying, or in
   * reference mode keeps the checkpoint and returns a reference to it.
   */
  @Override
  public Supplier<byte[]> captureSnapshot() {
    flush();
    List<Write> frozen = List.copyOf(writes);
    if (!references) {
      return () -> encode(frozen);
    }
    disk.checkpoints.put(applied, frozen);
    byte[] ref = ByteBuffer.allocate(16).put(REFERENCE).putLong(applied).array();
    return () -> ref;
  }

  /** Deletes the checkpoints older than the snapshot the runtime's store now holds. */
  @Override
  public void snapshotInstalled(long index) {
    disk.checkpoints.headMap(index, false).clear();
  }

  @Override
  public boolean isSnapshotReference(byte[] data) {
    return data.length == 16 && Arrays.equals(data, 0, 8, REFERENCE, 0, 8);
  }

  /**
   * The bytes of a reference's checkpoint, encoded when the transfer starts (so the source stays
   * readable after the checkpoint is deleted, as the KV store's open files do); other data as it
   * is.
   */
  @Override
  public SnapshotSource snapshotSource(Snapshot snapshot) {
    return SnapshotSource.of(
        isSnapshotReference(snapshot.data())
            ? encode(checkpoint(snapshot.data()))
            : snapshot.data());
  }

  private List<Write> checkpoint(byte[] reference) {
    long index = ByteBuffer.wrap(reference, 8, 8).getLong();
    List<Write> kept = disk.checkpoints.get(index);
    if (kept == null) {
      listener.checkpointGone(index);
      throw new IllegalStateException(
          "member " + member + ": snapshot reference to checkpoint " + index + ", which is gone");
    }
    return kept;
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
    List<Write> restored =
        isSnapshotReference(snapshot.data())
            ? checkpoint(snapshot.data())
            : decode(snapshot.data());
    writes.clear();
    writes.addAll(restored);
    applied = snapshot.metadata().index();
    listener.restored(applied, restored);
    flush();
  }

  private static List<Write> decode(byte[] data) {
    List<Write> out = new ArrayList<>();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) {
        int sp = line.indexOf(' ');
        out.add(new Write(Long.parseLong(line.substring(0, sp)), line.substring(sp + 1)));
      }
    }
    return out;
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

package dev.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link Storage} held in memory, for tests, the simulator and benchmarks. It also offers the
 * write side a runtime needs: {@link #append}, {@link #setHardState}, {@link #applySnapshot} and
 * {@link #compact}.
 *
 * <p>Invariant: {@code entries.get(0)} is a dummy entry whose index and term are those of the last
 * compacted entry (or the snapshot), so {@code term(firstIndex() - 1)} always answers. Not
 * thread-safe.
 */
public final class MemoryStorage implements LogStore {
  private HardState hardState = HardState.EMPTY;
  private ConfState conf;
  private Snapshot snapshot = Snapshot.EMPTY;
  private final ArrayList<Entry> entries = new ArrayList<>();

  /**
   * An empty log whose membership is {@code conf}: the membership in force before its first entry
   * (for a static cluster, or a snapshot to come; see {@link #bootstrap} for a new cluster whose
   * membership may change).
   */
  public MemoryStorage(ConfState conf) {
    this.conf = Objects.requireNonNull(conf, "conf");
    entries.add(new Entry(0, 0, EntryType.NORMAL, null));
  }

  /**
   * The storage of a founding member of a new cluster of {@code voters}: the {@link Bootstrap}
   * entries, committed, and an empty membership that they fill in when applied.
   */
  public static MemoryStorage bootstrap(Set<Long> voters) {
    MemoryStorage s = new MemoryStorage(ConfState.EMPTY);
    s.append(Bootstrap.entries(voters));
    s.setHardState(Bootstrap.hardState(voters));
    return s;
  }

  @Override
  public InitialState initialState() {
    return new InitialState(hardState, conf);
  }

  /** Replaces the persisted hard state. */
  @Override
  public void setHardState(HardState hardState) {
    this.hardState = Objects.requireNonNull(hardState);
  }

  /** Replaces the membership reported at start (called when a configuration is applied). */
  public void setConf(ConfState conf) {
    this.conf = Objects.requireNonNull(conf);
  }

  public HardState hardState() {
    return hardState;
  }

  private long offset() {
    return entries.get(0).index();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    long offset = offset();
    if (lo <= offset) {
      throw new CompactedException(lo, offset + 1);
    }
    if (hi > lastIndex() + 1) {
      throw new UnavailableException(
          "entries [" + lo + "," + hi + ") requested but last index is " + lastIndex());
    }
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = entries.get((int) (i - offset));
      bytes += e.sizeBytes();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public long term(long index) {
    long offset = offset();
    if (index < offset) {
      throw new CompactedException(index, offset + 1);
    }
    if (index - offset >= entries.size()) {
      throw new UnavailableException(
          "term of index " + index + " asked but last index is " + lastIndex());
    }
    return entries.get((int) (index - offset)).term();
  }

  @Override
  public long firstIndex() {
    return offset() + 1;
  }

  @Override
  public long lastIndex() {
    return offset() + entries.size() - 1;
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * Appends entries, first truncating any existing entries at or after the first new index (a
   * follower overwriting a conflicting suffix). Entries already compacted are skipped.
   *
   * @throws IllegalArgumentException if the entries would leave a gap after the last index
   */
  @Override
  public void append(List<Entry> newEntries) {
    if (newEntries.isEmpty()) {
      return;
    }
    long first = firstIndex();
    long last = newEntries.get(newEntries.size() - 1).index();
    if (last < first) {
      return;
    }
    List<Entry> ents = newEntries;
    if (first > ents.get(0).index()) {
      ents = ents.subList((int) (first - ents.get(0).index()), ents.size());
    }
    long start = ents.get(0).index();
    if (start > lastIndex() + 1) {
      throw new IllegalArgumentException(
          "append at index " + start + " leaves a gap after last index " + lastIndex());
    }
    int keep = (int) (start - offset());
    while (entries.size() > keep) {
      entries.remove(entries.size() - 1);
    }
    entries.addAll(ents);
  }

  /**
   * Discards entries up to and including {@code index}, which must already be applied; the entry at
   * {@code index} becomes the new dummy entry.
   */
  @Override
  public void compact(long index) {
    long offset = offset();
    if (index <= offset) {
      return;
    }
    if (index > lastIndex()) {
      throw new IllegalArgumentException(
          "compact " + index + " is beyond last index " + lastIndex());
    }
    int i = (int) (index - offset);
    // The membership reported at start is the one in force at the first index minus one: fold
    // in the changes being compacted away (they are applied, so in force).
    for (int k = 1; k <= i; k++) {
      Entry e = entries.get(k);
      if (e.type() == EntryType.CONF_CHANGE) {
        try {
          conf = ConfChange.decode(e.data()).applyTo(conf);
        } catch (IllegalArgumentException ignored) {
          // a change that could not apply was a no-op everywhere
        }
      }
    }
    Entry dummy = new Entry(entries.get(i).term(), index, EntryType.NORMAL, null);
    List<Entry> rest = new ArrayList<>(entries.subList(i + 1, entries.size()));
    entries.clear();
    entries.add(dummy);
    entries.addAll(rest);
  }

  /** Nothing to do: memory is as durable as it gets here. */
  @Override
  public void syncNow() {}

  /** Same as {@link #setSnapshot}. */
  @Override
  public void saveSnapshot(Snapshot snap) {
    setSnapshot(snap);
  }

  /** Records a snapshot taken by this node's state machine, without touching the log. */
  public void setSnapshot(Snapshot snap) {
    if (snap.metadata().index() >= snapshot.metadata().index()) {
      this.snapshot = snap;
    }
  }

  /**
   * Replaces the whole log by a snapshot received from the leader: entries are dropped, the
   * snapshot's position becomes the dummy entry and its membership the current one.
   */
  @Override
  public void applySnapshot(Snapshot snap) {
    if (snap.metadata().index() <= snapshot.metadata().index()) {
      return;
    }
    this.snapshot = snap;
    entries.clear();
    entries.add(new Entry(snap.metadata().term(), snap.metadata().index(), EntryType.NORMAL, null));
    this.conf = snap.metadata().conf();
  }
}

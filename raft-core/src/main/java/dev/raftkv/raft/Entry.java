package dev.raftkv.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One log entry. Index and term are assigned by the leader that created it; the data is opaque to
 * the algorithm.
 *
 * <p>The data array is not copied: callers must not modify it after handing it in.
 *
 * @param term the leader term in which the entry was created (at least 1 for real entries)
 * @param index the position in the log (at least 1)
 * @param type what the data means
 * @param data the payload; empty for the leader's no-op entry
 */
public record Entry(long term, long index, EntryType type, byte[] data) {

  private static final byte[] EMPTY = new byte[0];

  public Entry {
    Objects.requireNonNull(type, "type");
    if (data == null) {
      data = EMPTY;
    }
  }

  /** A normal entry carrying application data. */
  public static Entry normal(long term, long index, byte[] data) {
    return new Entry(term, index, EntryType.NORMAL, data);
  }

  /** Bytes this entry accounts for in message-size and batch limits. */
  public long sizeBytes() {
    return data.length + 24L;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && e.term == term
        && e.index == index
        && e.type == type
        && Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(term, index, type) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return index
        + "/"
        + term
        + (type == EntryType.NORMAL ? "" : " " + type)
        + " "
        + data.length
        + "B";
  }
}

package dev.raftkv.testkit.lin;

/** What a client asked the KV store to do, on exactly one key. */
public enum OpKind {
  /** A linearizable range read of one key. */
  GET,
  /** An unconditional put. */
  PUT,
  /** A delete of one key (etcd {@code DeleteRange} with no range end). */
  DELETE,
  /**
   * A compare-and-set: an etcd txn whose single compare is on the key's value or on its mod
   * revision, whose success branch is a put of the new value and whose failure branch is empty.
   */
  CAS;

  /** The name used in history files ({@code get}, {@code put}, {@code delete}, {@code cas}). */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}

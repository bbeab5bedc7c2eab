package dev.raftkv.raft;

/**
 * What an entry's data means to the algorithm. Each type has an explicit {@link #code()} that
 * durable formats (the WAL) and the wire store instead of the ordinal, so reordering or adding
 * constants cannot change what an existing log means.
 */
public enum EntryType {
  /** Application data, opaque to Raft (an empty one is a new leader's no-op). */
  NORMAL(0),
  /** A membership change; the data is an encoded configuration change. */
  CONF_CHANGE(1);

  private final int code;

  EntryType(int code) {
    this.code = code;
  }

  /** The type's stored code; never changes once released. */
  public int code() {
    return code;
  }

  /**
   * The type whose {@link #code()} is {@code code}.
   *
   * @throws IllegalArgumentException if no type has that code
   */
  public static EntryType ofCode(int code) {
    for (EntryType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown entry type code " + code);
  }
}

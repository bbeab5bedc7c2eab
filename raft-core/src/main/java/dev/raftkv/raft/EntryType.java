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

  /** The types by code: decoding an entry (every one a follower receives) allocates nothing. */
  private static final EntryType[] BY_CODE;

  static {
    int max = 0;
    for (EntryType t : values()) {
      max = Math.max(max, t.code);
    }
    BY_CODE = new EntryType[max + 1];
    for (EntryType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

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
    EntryType t = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    if (t == null) {
      throw new IllegalArgumentException("unknown entry type code " + code);
    }
    return t;
  }
}

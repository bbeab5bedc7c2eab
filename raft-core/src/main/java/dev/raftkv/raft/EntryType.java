package dev.raftkv.raft;

/** What an entry's data means to the algorithm. */
public enum EntryType {
  /** Application data, opaque to Raft (an empty one is a new leader's no-op). */
  NORMAL,
  /** A membership change; the data is an encoded configuration change. */
  CONF_CHANGE
}

package dev.raftkv.kv;

/**
 * etcd's {@code CompactionRequest}: drop the history before {@code revision}. Reads at revisions
 * below it then fail with {@link KvException.Code#COMPACTED}; reads at it or later are unchanged.
 * Compaction does not change the store revision.
 */
public record Compact(long revision) implements Op {
  /** etcd's {@code CompactionResponse}. */
  public record Result(long revision) implements Response {}
}

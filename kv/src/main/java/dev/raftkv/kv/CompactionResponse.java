package dev.raftkv.kv;

/** etcd's {@code CompactionResponse}. */
public record CompactionResponse(long revision) implements Response {}

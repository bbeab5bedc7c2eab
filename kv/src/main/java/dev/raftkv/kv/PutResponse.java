package dev.raftkv.kv;

/**
 * etcd's {@code PutResponse}.
 *
 * @param prevKv the key before the put, or null when it did not exist or was not asked for
 */
public record PutResponse(long revision, KeyValue prevKv) implements Response {}

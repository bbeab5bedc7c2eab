package dev.raftkv.kv;

/**
 * The result of {@link LeaseRevokeRequest}.
 *
 * @param deleted the number of keys deleted
 */
public record LeaseRevokeResponse(long revision, long deleted) implements Response {}

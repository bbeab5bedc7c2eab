package dev.raftkv.kv;

/**
 * A granted lease as the store records it.
 *
 * @param id the lease id
 * @param ttlSeconds the time to live it was granted with
 */
public record Lease(long id, long ttlSeconds) {}

package dev.raftkv.kv;

/**
 * The result of {@link LeaseGrantRequest}.
 *
 * @param id the granted lease id (the chosen one when the request asked for 0)
 * @param ttlSeconds the granted time to live in seconds
 */
public record LeaseGrantResponse(long revision, long id, long ttlSeconds) implements Response {}

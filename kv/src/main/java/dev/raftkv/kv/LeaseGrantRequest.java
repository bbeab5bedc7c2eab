package dev.raftkv.kv;

/**
 * Grants a lease (etcd's LeaseGrant), recorded in the store's lease table. With {@code id} 0 the
 * store chooses the id when the command is applied, from the Raft index of its entry, so every
 * member chooses the same one. A granted id is refused with {@link KvException.Code#LEASE_EXISTS}.
 * Does not change the store revision.
 *
 * @param id the lease id, or 0 to let the store choose
 * @param ttlSeconds the lease's time to live in seconds
 */
public record LeaseGrantRequest(long id, long ttlSeconds) implements Op {}

package dev.raftkv.kv;

/**
 * Deletes every key attached to {@code leaseId}, as one revision (what etcd does when a lease is
 * revoked or expires), and removes the lease from the store's lease table. With {@link
 * KvOptions#withGrantedLeases()} a lease that is not in the table is refused with {@link
 * KvException.Code#LEASE_NOT_FOUND}; otherwise the keys are deleted whether or not it was granted.
 */
public record LeaseRevokeRequest(long leaseId) implements Op {}

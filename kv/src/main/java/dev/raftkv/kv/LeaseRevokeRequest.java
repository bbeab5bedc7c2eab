package dev.raftkv.kv;

/**
 * Deletes every key attached to {@code leaseId}, as one revision (what etcd does when a lease is
 * revoked or expires). The lease bookkeeping itself (grant, TTL, expiry) lives elsewhere.
 */
public record LeaseRevokeRequest(long leaseId) implements Op {}

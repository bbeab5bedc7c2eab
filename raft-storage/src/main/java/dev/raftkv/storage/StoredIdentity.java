package dev.raftkv.storage;

/**
 * The cluster and member a data dir belongs to, as its {@code member} file records them.
 *
 * @param clusterId the cluster's id
 * @param memberId the member's id
 */
public record StoredIdentity(long clusterId, long memberId) {}

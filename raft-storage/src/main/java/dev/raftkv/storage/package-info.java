/**
 * The durable Raft log of one member ({@code docs/storage.md}).
 *
 * <p>{@link dev.raftkv.storage.DiskStorage} implements the core's {@link dev.raftkv.raft.LogStore}
 * on a segmented write-ahead log ({@code Wal}, records framed by {@code WalRecord}: entries, hard
 * state, membership, snapshot marks, each CRC32C-checked), snapshot references ({@code
 * SnapshotStore}) and the {@code member} file ({@code MemberFile}: cluster and member id). Group
 * commit: everything appended before a sync shares one {@code fdatasync}. Recovery truncates a torn
 * tail and refuses to start on corruption, naming the file and offset ({@link
 * dev.raftkv.storage.StorageCorruptedException}); a failed fsync stops the member ({@link
 * dev.raftkv.storage.StorageFailedException}), never retried. File access goes through {@code
 * FileIo}, so tests can crash and tear writes.
 */
package dev.raftkv.storage;

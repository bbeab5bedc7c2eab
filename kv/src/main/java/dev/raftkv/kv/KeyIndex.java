package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/**
 * The newest version of every present key, in memory: what a write needs to know about a key
 * (create revision, version, lease, and where its newest record is) without seeking a RocksDB
 * iterator, in the role of etcd's {@code treeIndex}, but for the current revision only (reads at
 * past revisions still scan the {@code kv} family). Values stay in RocksDB.
 *
 * <p>Rebuilt from the {@code kv} family when the store opens or is replaced by a snapshot. Changed
 * by the apply thread only, through an undo log: {@link #mark()} and {@link #rollbackTo(int)} take
 * back a refused op, {@link #commit()} forgets the log once the batch is in RocksDB. Not safe for
 * concurrent use; only the apply thread touches it.
 */
final class KeyIndex {
  /**
   * The newest version of a present key.
   *
   * @param modRevision main revision of the newest record
   * @param sub its sub revision (the newest record's {@code kv} key is {@code group ++ ~mod ++
   *     ~sub})
   */
  record Latest(long createRevision, long modRevision, long sub, long version, long lease) {
    byte[] kvKey(byte[] userKey) {
      return Codec.kvKey(Codec.group(userKey), modRevision, sub);
    }
  }

  private record Undo(byte[] key, Latest before) {}

  private final TreeMap<byte[], Latest> keys = new TreeMap<>(Bytes::compare);
  private final List<Undo> undo = new ArrayList<>();

  /**
   * The present key's newest version, or null when the key is absent (never written or deleted).
   */
  Latest get(byte[] key) {
    return keys.get(key);
  }

  /**
   * The present keys of a range, in key order, with etcd's conventions for {@code rangeEnd}: empty
   * for {@code key} alone, {@code "\0"} for every key from {@code key} on, otherwise {@code [key,
   * rangeEnd)}. The map is a view: copy it before changing the index.
   */
  NavigableMap<byte[], Latest> range(byte[] key, byte[] rangeEnd) {
    if (rangeEnd.length == 0) {
      return keys.subMap(key, true, key, true);
    }
    if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
      return keys.tailMap(key, true);
    }
    if (Bytes.compare(rangeEnd, key) <= 0) {
      return new TreeMap<>(Bytes::compare);
    }
    return keys.subMap(key, true, rangeEnd, false);
  }

  /** Records a put of {@code key}. */
  void put(byte[] key, Latest latest) {
    undo.add(new Undo(key, keys.put(key, latest)));
  }

  /** Records a delete of {@code key}. */
  void remove(byte[] key) {
    Latest before = keys.remove(key);
    if (before != null) {
      undo.add(new Undo(key, before));
    }
  }

  /** A point to roll back to. */
  int mark() {
    return undo.size();
  }

  /** Takes back every change made since {@code mark}, newest first. */
  void rollbackTo(int mark) {
    for (int i = undo.size() - 1; i >= mark; i--) {
      Undo u = undo.remove(i);
      if (u.before() == null) {
        keys.remove(u.key());
      } else {
        keys.put(u.key(), u.before());
      }
    }
  }

  /** The changes so far are durable in the store: forget how to take them back. */
  void commit() {
    undo.clear();
  }

  /** How many keys are present. */
  int size() {
    return keys.size();
  }

  /**
   * Rebuilds the index from the {@code kv} family (one pass: each key's newest record comes first
   * in its group).
   */
  void rebuild(RocksIterator it) {
    keys.clear();
    undo.clear();
    byte[] group = null;
    for (it.seekToFirst(); it.isValid(); it.next()) {
      byte[] k = it.key();
      if (group != null && Codec.startsWith(k, group) && k.length == group.length + Codec.REV_LEN) {
        continue; // an older version of the key just seen
      }
      group = java.util.Arrays.copyOf(k, Codec.groupLength(k));
      byte[] v = it.value();
      if (Codec.isTombstone(v)) {
        continue;
      }
      KeyValue kv = Codec.decode(k, v, true);
      keys.put(
          kv.key(),
          new Latest(
              kv.createRevision(), kv.modRevision(), Codec.subOf(k), kv.version(), kv.lease()));
    }
  }

  /** Rebuilds from {@code kvCf} of {@code source}. */
  void rebuild(Source source, ColumnFamilyHandle kvCf) {
    try (RocksIterator it = source.iterator(kvCf)) {
      rebuild(it);
    }
  }

  /** For tests: every present key and its newest version. */
  Map<byte[], Latest> snapshotForTest() {
    TreeMap<byte[], Latest> copy = new TreeMap<>(Bytes::compare);
    copy.putAll(keys);
    return copy;
  }
}

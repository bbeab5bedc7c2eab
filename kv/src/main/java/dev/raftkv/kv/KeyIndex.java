package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/**
 * The newest version of every present key, in memory: what a write needs to know about a key
 * (create revision, version, lease, and where its newest record is) without seeking a RocksDB
 * iterator, in the role of etcd's {@code treeIndex}, but for the current revision only (reads at
 * past revisions still scan the {@code kv} family). The newest values are kept too while they fit
 * in a byte budget ({@link KvOptions#valueCacheBytes()}); a value past it is read from RocksDB.
 *
 * <p>Rebuilt from the {@code kv} family when the store opens or is replaced by a snapshot. Changed
 * by the apply thread only, through an undo log: {@link #mark()} and {@link #rollbackTo(int)} take
 * back a refused op, {@link #commit()} forgets the log once the batch is in RocksDB. Not safe for
 * concurrent use: the store changes it under its index lock's write lock and reads it under the
 * read lock.
 */
final class KeyIndex {
  /**
   * The newest version of a present key.
   *
   * @param modRevision main revision of the newest record
   * @param sub its sub revision (the newest record's {@code kv} key is {@code group ++ ~mod ++
   *     ~sub})
   * @param value the value, or null when it is not kept here (read it from the record); never
   *     changed once built
   */
  record Latest(
      long createRevision, long modRevision, long sub, long version, long lease, byte[] value) {
    byte[] kvKey(byte[] userKey) {
      return Codec.kvKey(Codec.group(userKey), modRevision, sub);
    }

    /**
     * The key as this version has it, its value taken from {@code record} (the {@code kv} record at
     * {@link #kvKey}); with {@code keysOnly} the value is left empty and {@code record} unread.
     *
     * @throws IllegalStateException when {@code record} is not a put (the index and the store
     *     disagree: a bug)
     */
    KeyValue toKeyValue(byte[] userKey, byte[] record, boolean keysOnly) {
      byte[] value = Bytes.EMPTY;
      if (!keysOnly && this.value != null) {
        value = this.value.clone();
      } else if (!keysOnly) {
        if (record == null || Codec.isTombstone(record)) {
          throw new IllegalStateException(
              "key index names a record the store lacks: " + Bytes.show(userKey) + " at " + this);
        }
        value = Codec.putValueBytes(record);
      }
      return new KeyValue(userKey, createRevision, modRevision, version, value, lease);
    }

    /** Whether the value must be read from the record. */
    boolean needsRecord() {
      return value == null;
    }

    private long cachedBytes() {
      return value == null ? 0 : value.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Latest l
          && createRevision == l.createRevision
          && modRevision == l.modRevision
          && sub == l.sub
          && version == l.version
          && lease == l.lease;
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(createRevision, modRevision, sub, version, lease);
    }
  }

  private record Undo(byte[] key, Latest before) {}

  /** A user key as a hash map key. */
  private static final class Key {
    final byte[] bytes;
    final int hash;

    Key(byte[] bytes) {
      this.bytes = bytes;
      this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  // Point lookups go to the hash map; the sorted set, for ranges, changes only when a key is
  // created or deleted (a put of an existing key, the common write, leaves it alone).
  private final HashMap<Key, Latest> keys = new HashMap<>();
  private final TreeSet<byte[]> order = new TreeSet<>(Bytes::compare);
  private final List<Undo> undo = new ArrayList<>();
  private final long valueBudget;
  private long cachedBytes;

  /** An empty index that may keep up to {@code valueBudget} bytes of values. */
  KeyIndex(long valueBudget) {
    this.valueBudget = valueBudget;
  }

  /**
   * The newest version of a key just written, keeping {@code value} (not copied: the caller must
   * not change it) if the budget has room.
   */
  Latest latest(long create, long mod, long sub, long version, long lease, byte[] value) {
    return new Latest(
        create, mod, sub, version, lease, cachedBytes + value.length <= valueBudget ? value : null);
  }

  /**
   * The present key's newest version, or null when the key is absent (never written or deleted).
   */
  Latest get(byte[] key) {
    return keys.get(new Key(key));
  }

  /**
   * Adds the first {@code max} present keys of a range to {@code out}, in key order, and returns
   * how many keys the range holds. The range has etcd's conventions for {@code rangeEnd}: empty for
   * {@code key} alone, {@code "\0"} for every key from {@code key} on, otherwise {@code [key,
   * rangeEnd)}.
   */
  long range(byte[] key, byte[] rangeEnd, long max, List<Map.Entry<byte[], Latest>> out) {
    if (rangeEnd.length == 0) {
      Latest l = get(key);
      if (l != null && max > 0) {
        out.add(Map.entry(key, l));
      }
      return l == null ? 0 : 1;
    }
    long count = 0;
    for (byte[] k : keysIn(key, rangeEnd)) {
      if (count++ < max) {
        out.add(Map.entry(k, keys.get(new Key(k))));
      }
    }
    return count;
  }

  /** The sum of {@code f} over the present keys of a range (the conventions of {@link #range}). */
  long sum(byte[] key, byte[] rangeEnd, java.util.function.ToLongFunction<byte[]> f) {
    if (rangeEnd.length == 0) {
      return get(key) == null ? 0 : f.applyAsLong(key);
    }
    long total = 0;
    for (byte[] k : keysIn(key, rangeEnd)) {
      total += f.applyAsLong(k);
    }
    return total;
  }

  /** The present keys from {@code key} to a non-empty {@code rangeEnd}, a view in key order. */
  private java.util.SortedSet<byte[]> keysIn(byte[] key, byte[] rangeEnd) {
    if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
      return order.tailSet(key, true);
    } else if (Bytes.compare(rangeEnd, key) <= 0) {
      return java.util.Collections.emptySortedSet();
    }
    return order.subSet(key, true, rangeEnd, false);
  }

  /** Records a put of {@code key}. */
  void put(byte[] key, Latest latest) {
    Latest before = keys.put(new Key(key), latest);
    if (before == null) {
      order.add(key);
    }
    account(before, latest);
    undo.add(new Undo(key, before));
  }

  /** Records a delete of {@code key}. */
  void remove(byte[] key) {
    Latest before = keys.remove(new Key(key));
    if (before != null) {
      order.remove(key);
      account(before, null);
      undo.add(new Undo(key, before));
    }
  }

  /**
   * Records a delete of every present key of a range (the conventions of {@link #range}) and
   * returns them with their newest versions, in key order. A contiguous range leaves the sorted set
   * in one pass, with no search per key.
   */
  List<Map.Entry<byte[], Latest>> removeRange(byte[] key, byte[] rangeEnd) {
    if (rangeEnd.length == 0) {
      Latest l = get(key);
      if (l == null) {
        return List.of();
      }
      remove(key);
      return List.of(Map.entry(key, l));
    }
    java.util.SortedSet<byte[]> in = keysIn(key, rangeEnd);
    List<Map.Entry<byte[], Latest>> out = new ArrayList<>(in.size());
    for (byte[] k : in) {
      Latest before = keys.remove(new Key(k));
      account(before, null);
      undo.add(new Undo(k, before));
      out.add(Map.entry(k, before));
    }
    if (!out.isEmpty()) {
      in.clear(); // (an empty range may be an unmodifiable empty set)
    }
    return out;
  }

  private void account(Latest out, Latest in) {
    cachedBytes += (in == null ? 0 : in.cachedBytes()) - (out == null ? 0 : out.cachedBytes());
  }

  /** A point to roll back to. */
  int mark() {
    return undo.size();
  }

  /** Takes back every change made since {@code mark}, newest first. */
  void rollbackTo(int mark) {
    for (int i = undo.size() - 1; i >= mark; i--) {
      Undo u = undo.remove(i);
      Key k = new Key(u.key());
      Latest now = u.before() == null ? keys.remove(k) : keys.put(k, u.before());
      if (u.before() == null) {
        order.remove(u.key());
      } else if (now == null) {
        order.add(u.key());
      }
      account(now, u.before());
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

  /** How many bytes of values the index keeps. */
  long cachedBytes() {
    return cachedBytes;
  }

  /**
   * Rebuilds the index from the {@code kv} family (one pass: each key's newest record comes first
   * in its group).
   */
  void rebuild(RocksIterator it) {
    keys.clear();
    order.clear();
    undo.clear();
    cachedBytes = 0;
    byte[] group = null;
    for (it.seekToFirst(); it.isValid(); it.next()) {
      byte[] k = it.key();
      if (group != null && Codec.startsWith(k, group) && k.length == group.length + Codec.REV_LEN) {
        continue; // an older version of the key just seen
      }
      group = Arrays.copyOf(k, Codec.groupLength(k));
      byte[] v = it.value();
      if (Codec.isTombstone(v)) {
        continue;
      }
      KeyValue kv = Codec.decode(k, v, false);
      Latest latest =
          latest(
              kv.createRevision(),
              kv.modRevision(),
              Codec.subOf(k),
              kv.version(),
              kv.lease(),
              kv.value());
      keys.put(new Key(kv.key()), latest);
      order.add(kv.key());
      cachedBytes += latest.cachedBytes();
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
    for (byte[] k : order) {
      copy.put(k, keys.get(new Key(k)));
    }
    if (copy.size() != keys.size()) {
      throw new IllegalStateException(
          "key index: " + keys.size() + " keys but " + order.size() + " in order");
    }
    return copy;
  }
}

package dev.raftkv.kv;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Executes the ops of one {@link KvStore#apply} call into one write batch. Reads go through the
 * batch, so each op sees the ones before it. Tracks the revision and compacted revision the batch
 * will leave behind and the events it produces. Used once, by one thread.
 */
final class Applier {
  /**
   * The column families. {@code lease} holds, per lease id (8 bytes, big-endian), the granted
   * lease's record under the id alone (value: its TTL in seconds) followed by one entry per
   * attached key under id + key (user keys are never empty, so the two cannot collide). {@code
   * meta} holds the members ({@link Members}).
   */
  record Families(
      ColumnFamilyHandle kv,
      ColumnFamilyHandle rev,
      ColumnFamilyHandle lease,
      ColumnFamilyHandle meta) {}

  private final WriteBatchWithIndex batch;

  /**
   * The same batch, unindexed: the {@code rev} records go here. Nothing reads that family through
   * the batch, so they need no place in its index (whose upkeep was two fifths of a 290,000-key
   * delete), yet are written in the same atomic write and taken back by the same save points.
   */
  private final WriteBatch unindexed;

  private final Source source;
  private final Families cf;
  private final MvccView view;
  private final KeyIndex index;
  private final KvOptions options;
  private final List<Event> events = new ArrayList<>();
  private long revision;
  private long compacted;
  private long raftIndex;

  /** The auth state as the ops so far leave it (see {@link AuthChanges}). */
  private AuthState auth;

  /** The alarms as the ops so far leave them. */
  private Alarms alarms;

  Applier(
      WriteBatchWithIndex batch,
      Source source,
      Families cf,
      long revision,
      long compacted,
      KeyIndex index,
      KvOptions options,
      AuthState auth,
      Alarms alarms) {
    this.batch = batch;
    this.auth = auth;
    this.alarms = alarms;
    this.unindexed = batch.getWriteBatch();
    this.source = source;
    this.cf = cf;
    this.view = new MvccView(source, cf.kv());
    this.index = index;
    this.revision = revision;
    this.compacted = compacted;
    this.options = options;
  }

  long revision() {
    return revision;
  }

  long compacted() {
    return compacted;
  }

  /** The auth state the ops so far leave behind. */
  AuthState auth() {
    return auth;
  }

  /** The alarms the ops so far leave behind. */
  Alarms alarms() {
    return alarms;
  }

  /** The Raft index of the entry whose ops come next (server-chosen lease ids derive from it). */
  void atIndex(long raftIndex) {
    this.raftIndex = raftIndex;
  }

  List<Event> events() {
    return events;
  }

  /**
   * The revision being written: the writes of one request share its main revision and take sub
   * revisions 0, 1, 2... in order. It becomes the store revision only if something was written.
   */
  private static final class Writer {
    final long main;
    long sub;

    /** The first key this revision wrote, and the others once there are more (a txn, a delete). */
    private byte[] first;

    private java.util.Set<ByteBuffer> more;

    /**
     * False when the revision is one request that writes each key at most once (a put, a delete
     * range, a lease revoke): then there is nothing to remember. A txn's revision is tracked.
     */
    private final boolean tracked;

    Writer(long main) {
      this(main, true);
    }

    private Writer(long main, boolean tracked) {
      this.main = main;
      this.tracked = tracked;
    }

    /** A revision that writes each key at most once, so never a key it wrote before. */
    static Writer ofDistinctKeys(long main) {
      return new Writer(main, false);
    }

    boolean wrote() {
      return sub > 0;
    }

    /** Records a write of {@code key} at this revision; returns whether it wrote the key before. */
    boolean write(byte[] key) {
      if (!tracked) {
        return false;
      }
      if (first == null) {
        first = key;
        return false;
      }
      if (more == null) {
        more = new java.util.HashSet<>();
        more.add(ByteBuffer.wrap(first));
      }
      return !more.add(ByteBuffer.wrap(key));
    }
  }

  /** Executes one top-level op; a refused op leaves the batch and the counters as they were. */
  OpResult execute(Op op) {
    int eventMark = events.size();
    long revMark = revision;
    long compactedMark = compacted;
    int indexMark = index.mark();
    AuthState authMark = auth;
    Alarms alarmsMark = alarms;
    batch.setSavePoint();
    try {
      Response r = dispatch(op);
      batch.popSavePoint();
      return OpResult.ok(r);
    } catch (KvException e) {
      try {
        batch.rollbackToSavePoint();
      } catch (RocksDBException re) {
        throw new KvStorageException("rollback of a refused op failed", re);
      }
      events.subList(eventMark, events.size()).clear();
      index.rollbackTo(indexMark);
      revision = revMark;
      compacted = compactedMark;
      auth = authMark;
      alarms = alarmsMark;
      return OpResult.failed(e);
    } catch (RocksDBException e) {
      throw new KvStorageException("apply failed", e);
    }
  }

  /**
   * Runs {@code op} once its credentials allow it: a client's request with them ({@link Authed}),
   * the server's own ({@link ServerRequest}) without a check, and one without them, while auth is
   * enabled, as a request of nobody (etcd's "user name is empty" for most). With auth disabled this
   * costs one flag test.
   */
  private Response dispatch(Op op) throws RocksDBException {
    if (op instanceof Authed a) {
      AuthChecks.check(auth, a.user(), a.authRevision(), a.op(), this::attachedKeys);
      return run(a.op());
    }
    if (op instanceof ServerRequest r) {
      return run(r.op());
    }
    if (auth.enabled()) {
      AuthChecks.check(auth, null, 0, op, this::attachedKeys);
    }
    return run(op);
  }

  private List<byte[]> attachedKeys(long leaseId) {
    return keysWithLease(source, cf.lease(), leaseId);
  }

  private Response run(Op op) throws RocksDBException {
    if (alarms.noSpace()) {
      checkCapped(op);
    }
    if (op instanceof Range r) {
      return Ranges.range(view, r, revision, compacted);
    } else if (op instanceof Put p) {
      Ranges.checkKey(p.key());
      checkPut(p, false);
      Writer w = Writer.ofDistinctKeys(revision + 1);
      KeyValue prev = put(p, w);
      revision = w.main;
      return new Put.Result(revision, p.prevKv() ? prev : null);
    } else if (op instanceof DeleteRange d) {
      Ranges.checkKey(d.key());
      Writer w = Writer.ofDistinctKeys(revision + 1);
      List<KeyValue> deleted = deleteRange(d.key(), d.rangeEnd(), w);
      if (w.wrote()) {
        revision = w.main;
      }
      return new DeleteRange.Result(revision, deleted.size(), d.prevKv() ? deleted : List.of());
    } else if (op instanceof Txn t) {
      return txn(t);
    } else if (op instanceof Compact c) {
      compact(c.revision());
      return new Compact.Result(revision);
    } else if (op instanceof LeaseGrantRequest g) {
      return grant(g);
    } else if (op instanceof LeaseRevokeRequest l) {
      boolean granted = lease(source, cf.lease(), l.leaseId()) != null;
      if (!granted && options.usesGrantedLeases()) {
        throw new KvException(KvException.Code.LEASE_NOT_FOUND);
      }
      if (granted) {
        batch.delete(cf.lease(), Codec.longBytes(l.leaseId()));
      }
      Writer w = Writer.ofDistinctKeys(revision + 1); // the lease's keys, each once
      int deleted = 0;
      for (byte[] key : keysWithLease(source, cf.lease(), l.leaseId())) {
        deleted += deleteRange(key, Bytes.EMPTY, w).size();
      }
      if (w.wrote()) {
        revision = w.main;
      }
      return new LeaseRevokeResponse(revision, deleted);
    } else if (op instanceof MemberChange
        || op instanceof MemberPublishRequest
        || op instanceof MemberUpdateRequest) {
      Members.apply(source, batch, cf.meta(), op);
      return new MemberResponse(revision);
    } else if (op instanceof AlarmRequest r) {
      Alarms.Outcome o = alarms.apply(r, batch, cf.meta(), revision);
      alarms = o.state();
      return o.response();
    } else if (op instanceof AuthRequest r) {
      AuthChanges.Outcome o = AuthChanges.apply(auth, r, revision, raftIndex);
      AuthRecords.write(batch, cf.meta(), auth, o.state());
      auth = o.state();
      return o.response();
    }
    throw new IllegalArgumentException("unknown op " + op);
  }

  /**
   * etcd's capped applier, while a NOSPACE alarm is raised: puts, lease grants and txns with a put
   * among their top-level ops (etcd counts no nested ones) are refused; reads, deletes, compaction
   * and the rest still run.
   */
  private static void checkCapped(Op op) {
    boolean refused =
        op instanceof Put
            || op instanceof LeaseGrantRequest
            || (op instanceof Txn t && (hasPut(t.success()) || hasPut(t.failure())));
    if (refused) {
      throw new KvException(KvException.Code.NO_SPACE);
    }
  }

  private static boolean hasPut(List<RequestOp> ops) {
    for (RequestOp o : ops) {
      if (o instanceof Put) {
        return true;
      }
    }
    return false;
  }

  // ---- writes ----

  /**
   * etcd's checks of a put against the current state (lease, ignore_value / ignore_lease). A plain
   * put looks the lease up before the key (etcd's {@code applierV3backend.Put}); inside a txn the
   * key comes first (etcd's {@code checkRequestPut}).
   */
  private void checkPut(Put p, boolean inTxn) {
    if (p.ignoreValue() && p.value().length != 0) {
      throw new KvException(KvException.Code.VALUE_PROVIDED);
    }
    if (p.ignoreLease() && p.lease() != 0) {
      throw new KvException(KvException.Code.LEASE_PROVIDED);
    }
    if (!inTxn) {
      checkLease(p);
    }
    if ((p.ignoreValue() || p.ignoreLease()) && index.get(p.key()) == null) {
      throw new KvException(KvException.Code.KEY_NOT_FOUND);
    }
    if (inTxn) {
      checkLease(p);
    }
  }

  private void checkLease(Put p) {
    if (p.lease() != 0 && !leaseExists(p.lease())) {
      throw new KvException(KvException.Code.LEASE_NOT_FOUND);
    }
  }

  /** Writes the put at {@code w}; returns the key as it was before (null when absent). */
  private KeyValue put(Put p, Writer w) throws RocksDBException {
    byte[] key = p.key();
    KeyValue prev = current(key, index.get(key));
    if (prev == null && (p.ignoreValue() || p.ignoreLease())) {
      // checked before the txn began, but an earlier op of the same txn deleted the key (etcd
      // panics here); refusing rolls the whole op back
      throw new KvException(KvException.Code.KEY_NOT_FOUND);
    }
    byte[] value = p.ignoreValue() ? prev.value() : p.value();
    long lease = p.ignoreLease() ? prev.lease() : p.lease();
    long create = prev == null ? w.main : prev.createRevision();
    long version = prev == null ? 1 : prev.version() + 1;
    batch.put(
        cf.kv(),
        Codec.kvKey(Codec.group(key), w.main, w.sub),
        Codec.putValue(create, version, lease, value));
    unindexed.put(cf.rev(), Codec.revKey(w.main, w.sub), Codec.revValue(Codec.PUT, key));
    KeyValue eventPrev = before(key, prev, w);
    w.sub++;
    if (prev != null && prev.lease() != 0 && prev.lease() != lease) {
      batch.delete(cf.lease(), Codec.leaseKey(prev.lease(), key));
    }
    if (lease != 0) {
      batch.put(cf.lease(), Codec.leaseKey(lease, key), Bytes.EMPTY);
    }
    index.put(key, index.latest(create, w.main, w.sub - 1, version, lease, value));
    events.add(
        new Event(
            Event.Type.PUT, new KeyValue(key, create, w.main, version, value, lease), eventPrev));
    return prev;
  }

  /** The present key's newest version read from its record, or null when {@code latest} is. */
  private KeyValue current(byte[] key, KeyIndex.Latest latest) throws RocksDBException {
    if (latest == null) {
      return null;
    }
    byte[] record = latest.needsRecord() ? source.get(cf.kv(), latest.kvKey(key)) : null;
    return latest.toKeyValue(key, record, false);
  }

  /**
   * An event's prev kv: the key as of the revision before the event's, as etcd looks it up (and as
   * {@link KvStore#changes} replays it) — not an earlier write of the same txn.
   */
  private KeyValue before(byte[] key, KeyValue current, Writer w) {
    // Only an earlier write of the same key in this revision makes them differ.
    return w.write(key) ? view.get(key, w.main - 1, false) : current;
  }

  /** Writes a tombstone at {@code w} for every present key of the range; returns them. */
  private List<KeyValue> deleteRange(byte[] key, byte[] rangeEnd, Writer w)
      throws RocksDBException {
    List<KeyValue> present = new ArrayList<>();
    for (Map.Entry<byte[], KeyIndex.Latest> e : index.removeRange(key, rangeEnd)) {
      present.add(current(e.getKey(), e.getValue()));
    }
    for (KeyValue kv : present) {
      batch.put(cf.kv(), Codec.kvKey(Codec.group(kv.key()), w.main, w.sub), Codec.tombstoneValue());
      unindexed.put(
          cf.rev(), Codec.revKey(w.main, w.sub), Codec.revValue(Codec.TOMBSTONE, kv.key()));
      KeyValue eventPrev = before(kv.key(), kv, w);
      w.sub++;
      if (kv.lease() != 0) {
        batch.delete(cf.lease(), Codec.leaseKey(kv.lease(), kv.key()));
      }
      events.add(
          new Event(
              Event.Type.DELETE, new KeyValue(kv.key(), 0, w.main, 0, Bytes.EMPTY, 0), eventPrev));
    }
    return present;
  }

  // ---- txn ----

  private Txn.Result txn(Txn t) throws RocksDBException {
    TxnChecks.check(t, options.maxTxnOps());
    // All compares on the path are decided against the state before the txn, then the ops on the
    // path are checked against it, before anything is written (etcd's compareToPath and
    // checkRequests): a txn either runs entirely or is refused.
    IdentityHashMap<Txn, Boolean> path = new IdentityHashMap<>();
    decide(t, path);
    checkPath(t, path);
    Writer w = new Writer(revision + 1);
    Txn.Result r = run(t, path, w);
    if (w.wrote()) {
      revision = w.main;
    }
    return new Txn.Result(revision, r.succeeded(), r.responses());
  }

  private void decide(Txn t, Map<Txn, Boolean> path) throws RocksDBException {
    boolean ok = true;
    for (Compare c : t.compare()) {
      if (!holds(c)) {
        ok = false;
        break;
      }
    }
    path.put(t, ok);
    for (RequestOp op : ok ? t.success() : t.failure()) {
      if (op instanceof Txn nested) {
        decide(nested, path);
      }
    }
  }

  private boolean holds(Compare c) throws RocksDBException {
    List<KeyValue> kvs =
        c.rangeEnd().length == 0
            ? listOfNullable(current(c.key(), index.get(c.key())))
            : view.list(c.key(), c.rangeEnd(), revision, false);
    if (kvs.isEmpty()) {
      // A missing key compares as all zero, except that a value compare always fails.
      return c.target() != Compare.Target.VALUE
          && c.test(new KeyValue(c.key(), 0, 0, 0, Bytes.EMPTY, 0));
    }
    return kvs.stream().allMatch(c::test);
  }

  private static List<KeyValue> listOfNullable(KeyValue kv) {
    return kv == null ? List.of() : List.of(kv);
  }

  /** etcd's order: every put on the path is checked first, then every range (depth first). */
  private void checkPath(Txn t, Map<Txn, Boolean> path) {
    checkPath(t, path, true);
    checkPath(t, path, false);
  }

  private void checkPath(Txn t, Map<Txn, Boolean> path, boolean puts) {
    for (RequestOp op : path.get(t) ? t.success() : t.failure()) {
      if (op instanceof Range r && !puts) {
        Ranges.readRevision(r.revision(), revision, compacted);
      } else if (op instanceof Put p && puts) {
        checkPut(p, true);
      } else if (op instanceof Txn nested) {
        checkPath(nested, path, puts);
      }
    }
  }

  /**
   * Runs the chosen branch of {@code t}. Each response carries the revision etcd gives it inside a
   * txn: a read the revision it read at (the one being written once the txn has written), a put the
   * revision being written, a delete the same once anything was written; a nested txn's own header
   * stays 0, as etcd leaves it (only the outer header is set).
   */
  private Txn.Result run(Txn t, Map<Txn, Boolean> path, Writer w) throws RocksDBException {
    boolean ok = path.get(t);
    List<Response> responses = new ArrayList<>();
    for (RequestOp op : ok ? t.success() : t.failure()) {
      if (op instanceof Range r) {
        // Reads inside a txn see its earlier writes.
        responses.add(Ranges.range(view, r, w.wrote() ? w.main : revision, compacted));
      } else if (op instanceof Put p) {
        KeyValue prev = put(p, w);
        responses.add(new Put.Result(w.main, p.prevKv() ? prev : null));
      } else if (op instanceof DeleteRange d) {
        List<KeyValue> deleted = deleteRange(d.key(), d.rangeEnd(), w);
        responses.add(
            new DeleteRange.Result(
                w.wrote() ? w.main : revision, deleted.size(), d.prevKv() ? deleted : List.of()));
      } else if (op instanceof Txn nested) {
        responses.add(run(nested, path, w));
      }
    }
    return new Txn.Result(0, ok, responses);
  }

  // ---- compaction ----

  /**
   * Compacts at {@code rev}: from now on reads below it fail. The versions it drops are deleted by
   * the store's {@link Compactor} in the background, which reads at or above {@code rev} cannot
   * tell.
   */
  private void compact(long rev) {
    if (rev <= compacted) {
      throw new KvException(KvException.Code.COMPACTED);
    }
    if (rev > revision) {
      throw new KvException(KvException.Code.FUTURE_REV);
    }
    compacted = rev;
  }

  // ---- leases ----

  private boolean leaseExists(long id) {
    if (options.usesGrantedLeases()) {
      return lease(source, cf.lease(), id) != null;
    }
    return options.leaseExists().test(id);
  }

  private LeaseGrantResponse grant(LeaseGrantRequest g) throws RocksDBException {
    long id = g.id();
    if (id == 0) {
      // Chosen from the entry's Raft index: the same on every member. Skips granted ids.
      id = Math.max(raftIndex, 1);
      while (lease(source, cf.lease(), id) != null) {
        id++;
      }
    } else if (lease(source, cf.lease(), id) != null) {
      throw new KvException(KvException.Code.LEASE_EXISTS);
    }
    batch.put(cf.lease(), Codec.longBytes(id), Codec.longBytes(g.ttlSeconds()));
    return new LeaseGrantResponse(revision, id, g.ttlSeconds());
  }

  static Lease lease(Source source, ColumnFamilyHandle leaseCf, long id) {
    try {
      byte[] v = source.get(leaseCf, Codec.longBytes(id));
      return v == null ? null : new Lease(id, Codec.toLong(v, 0));
    } catch (RocksDBException e) {
      throw new KvStorageException("lease read failed", e);
    }
  }

  /** Every lease record; the attached keys of each lease are skipped with one seek. */
  static List<Lease> leases(Source source, ColumnFamilyHandle leaseCf) {
    List<Lease> out = new ArrayList<>();
    try (RocksIterator it = source.iterator(leaseCf)) {
      it.seekToFirst();
      while (it.isValid()) {
        byte[] k = it.key();
        long id = ByteBuffer.wrap(k).getLong();
        if (k.length == 8) {
          out.add(new Lease(id, Codec.toLong(it.value(), 0)));
        }
        if (id == -1L) {
          break; // the last id (unsigned order)
        }
        it.seek(Codec.longBytes(id + 1));
      }
    }
    return out;
  }

  static List<byte[]> keysWithLease(Source source, ColumnFamilyHandle leaseCf, long leaseId) {
    byte[] prefix = ByteBuffer.allocate(8).putLong(leaseId).array();
    List<byte[]> keys = new ArrayList<>();
    try (RocksIterator it = source.iterator(leaseCf)) {
      for (it.seek(prefix); it.isValid() && Codec.startsWith(it.key(), prefix); it.next()) {
        byte[] k = it.key();
        if (k.length > 8) { // the lease's own record is the id alone
          keys.add(Arrays.copyOfRange(k, 8, k.length));
        }
      }
    }
    return keys;
  }
}

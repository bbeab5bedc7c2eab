package dev.raftkv.compat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.CompactionRequest;
import dev.raftkv.api.etcdserverpb.Compare;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseRevokeRequest;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.WatchCancelRequest;
import dev.raftkv.api.etcdserverpb.WatchCreateRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The random requests of one seed of the differential test. Every key lies under the seed's own
 * prefix, and every revision it names is relative to the seed's base revision (the revision the
 * seed started at, which the runner compacts to first), so a seed asks the same questions whether
 * it runs after hundreds of others or alone on fresh clusters.
 *
 * <p>The generator follows the revision the oracle reports ({@link #observeRevision}) and the
 * watchers it created ({@link #watchCreated}); it never reads anything else, so the same seed and
 * the same answers give the same ops.
 *
 * <p>Two rules keep real etcd itself deterministic, so that a difference is raftkv's: a seed uses
 * at most 11 keys, so etcd's Go {@code sort.Sort} is an insertion sort (stable; ties stay in key
 * order); and no compaction goes above the start revision of a watcher that replays history,
 * because etcd catches such a watcher up on a 100 ms timer and a compaction that overtakes it would
 * cancel it or not depending on timing. Leases have client-chosen ids (etcd's own choice is random)
 * and an hour's TTL, so none expires during a run.
 */
final class DiffOpGenerator {
  /** Lease TTL in seconds: long enough that no lease expires while a seed runs. */
  static final long LEASE_TTL = 3600;

  private static final String[] KEYS = {"a", "a/1", "a/2", "b", "b/1", "c", "d", "e", "f"};

  private final Random rnd;
  private final long seed;
  private final String prefix;
  private final long base;
  private long revision;
  private long compacted;
  private long compactionCeiling = Long.MAX_VALUE;
  private int leaseCounter;
  private final List<Long> leases = new ArrayList<>();
  private final List<Long> cancellableWatches = new ArrayList<>();

  /**
   * @param seed the seed (also names the key prefix and the lease ids)
   * @param base the revision at the seed's start, already compacted
   */
  DiffOpGenerator(long seed, long base) {
    this.rnd = new Random(seed * 0x9E3779B97F4A7C15L + 17);
    this.seed = seed;
    this.prefix = prefixOf(seed);
    this.base = base;
    this.revision = base;
    this.compacted = base;
  }

  /** The key prefix of a seed; seeds sort in numeric order, so later seeds sort after earlier. */
  static String prefixOf(long seed) {
    return String.format("d/%09d/", seed);
  }

  /** The oracle's current revision after the last op. */
  void observeRevision(long rev) {
    revision = Math.max(revision, rev);
  }

  /** A successful compaction to {@code rev}. */
  void observeCompaction(long rev) {
    compacted = Math.max(compacted, rev);
  }

  /**
   * A watcher that was created and not canceled; {@code startRevision} 0 means from now.
   *
   * @return true if its start revision is compacted, so the server will cancel it: etcd does so on
   *     its 100 ms timer and names the compacted revision of that moment, so the runner must wait
   *     for that cancel before a later compaction could change it
   */
  boolean watchCreated(long watchId, long startRevision, long revisionAtCreate) {
    if (startRevision != 0 && startRevision <= revisionAtCreate) {
      if (startRevision < compacted) {
        return true; // never cancel it ourselves either
      }
      // a compaction at the start revision itself drops its tombstones: keep below it
      compactionCeiling = Math.min(compactionCeiling, startRevision - 1);
    }
    cancellableWatches.add(watchId);
    return false;
  }

  /** The leases granted and not revoked, for the runner to revoke at the end of the seed. */
  List<Long> liveLeases() {
    return List.copyOf(leases);
  }

  /** The key prefix of this seed. */
  String prefix() {
    return prefix;
  }

  /** The next op. */
  DiffOp next() {
    int p = rnd.nextInt(100);
    if (p < 22) {
      return new DiffOp(DiffOp.Kind.PUT, put(true));
    } else if (p < 32) {
      return new DiffOp(DiffOp.Kind.DELETE_RANGE, delete());
    } else if (p < 52) {
      return new DiffOp(DiffOp.Kind.RANGE, range(true));
    } else if (p < 67) {
      return new DiffOp(DiffOp.Kind.TXN, txn(0));
    } else if (p < 70) {
      return new DiffOp(DiffOp.Kind.TXN, invalidTxn());
    } else if (p < 75) {
      return new DiffOp(DiffOp.Kind.COMPACT, compact());
    } else if (p < 80) {
      return new DiffOp(DiffOp.Kind.LEASE_GRANT, leaseGrant());
    } else if (p < 83) {
      return new DiffOp(DiffOp.Kind.LEASE_REVOKE, leaseRevoke());
    } else if (p < 92) {
      return new DiffOp(DiffOp.Kind.WATCH_CREATE, watch());
    } else if (p < 95 && !cancellableWatches.isEmpty()) {
      long id = cancellableWatches.remove(rnd.nextInt(cancellableWatches.size()));
      return new DiffOp(
          DiffOp.Kind.WATCH_CANCEL, WatchCancelRequest.newBuilder().setWatchId(id).build());
    } else if (p < 97) {
      return new DiffOp(DiffOp.Kind.PUT, PutRequest.newBuilder().setValue(bs("x")).build());
    }
    return new DiffOp(DiffOp.Kind.RANGE, range(true));
  }

  // ---------------------------------------------------------------------------------------------

  private static ByteString bs(String s) {
    return ByteString.copyFrom(s.getBytes(StandardCharsets.UTF_8));
  }

  private ByteString key() {
    return bs(prefix + KEYS[rnd.nextInt(KEYS.length)]);
  }

  private ByteString value() {
    return bs("v" + rnd.nextInt(4));
  }

  /** A revision between {@code base - 1} (compacted) and {@code revision + extra}. */
  private long rev(int extra) {
    return base - 1 + rnd.nextInt((int) (revision - base) + 2 + extra);
  }

  private static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    b[b.length - 1]++;
    return ByteString.copyFrom(b);
  }

  /** Sets key and range end: one key, a prefix, a range (maybe inverted), from a key on. */
  private ByteString[] keyRange() {
    int p = rnd.nextInt(10);
    if (p < 4) {
      return new ByteString[] {key(), ByteString.EMPTY};
    } else if (p < 6) {
      ByteString k = bs(prefix + KEYS[rnd.nextInt(KEYS.length)].substring(0, 1));
      return new ByteString[] {k, prefixEnd(k)};
    } else if (p < 7) {
      ByteString k = bs(prefix);
      return new ByteString[] {k, prefixEnd(k)};
    } else if (p < 9) {
      return new ByteString[] {key(), key()};
    }
    return new ByteString[] {key(), ByteString.copyFrom(new byte[] {0})};
  }

  private long leaseForPut() {
    if (rnd.nextInt(6) == 0 || leases.isEmpty()) {
      return leaseId(63); // never granted
    }
    return leases.get(rnd.nextInt(leases.size()));
  }

  private long leaseId(int n) {
    return seed * 64 + n + 1;
  }

  private PutRequest put(boolean options) {
    PutRequest.Builder b = PutRequest.newBuilder().setKey(key()).setValue(value());
    if (!options) {
      return b.build();
    }
    if (rnd.nextInt(3) == 0) {
      b.setPrevKv(true);
    }
    if (rnd.nextInt(5) == 0) {
      b.setLease(leaseForPut());
    }
    if (rnd.nextInt(8) == 0) {
      b.setIgnoreValue(true);
      if (rnd.nextInt(4) != 0) {
        b.clearValue();
      }
    }
    if (rnd.nextInt(8) == 0) {
      b.setIgnoreLease(true);
      if (rnd.nextInt(4) != 0) {
        b.clearLease();
      }
    }
    return b.build();
  }

  private DeleteRangeRequest delete() {
    ByteString[] r = keyRange();
    return DeleteRangeRequest.newBuilder()
        .setKey(r[0])
        .setRangeEnd(r[1])
        .setPrevKv(rnd.nextBoolean())
        .build();
  }

  private RangeRequest range(boolean top) {
    ByteString[] r = keyRange();
    RangeRequest.Builder b = RangeRequest.newBuilder().setKey(r[0]).setRangeEnd(r[1]);
    if (rnd.nextInt(3) == 0) {
      b.setLimit(1 + rnd.nextInt(3));
    }
    if (rnd.nextInt(3) == 0) {
      b.setRevision(rev(2));
    }
    if (rnd.nextInt(3) == 0) {
      b.setSortOrderValue(rnd.nextInt(3));
      b.setSortTargetValue(rnd.nextInt(5));
    }
    if (rnd.nextInt(6) == 0) {
      b.setKeysOnly(true);
    }
    if (rnd.nextInt(8) == 0) {
      b.setCountOnly(true);
    }
    if (rnd.nextInt(6) == 0) {
      b.setMinModRevision(rev(1));
    }
    if (rnd.nextInt(6) == 0) {
      b.setMaxModRevision(rev(1));
    }
    if (rnd.nextInt(6) == 0) {
      b.setMinCreateRevision(rev(1));
    }
    if (rnd.nextInt(6) == 0) {
      b.setMaxCreateRevision(rev(1));
    }
    if (top && rnd.nextInt(3) == 0) {
      b.setSerializable(true);
    }
    return b.build();
  }

  private Compare compare() {
    Compare.Builder c =
        Compare.newBuilder()
            .setKey(key())
            .setResultValue(rnd.nextInt(4))
            .setTargetValue(rnd.nextInt(5));
    if (rnd.nextInt(6) == 0) {
      ByteString k = bs(prefix + KEYS[rnd.nextInt(KEYS.length)].substring(0, 1));
      c.setKey(k).setRangeEnd(prefixEnd(k));
    }
    switch (c.getTarget()) {
      case VERSION -> c.setVersion(rnd.nextInt(4));
      case CREATE -> c.setCreateRevision(rnd.nextInt(5) == 0 ? 0 : rev(1));
      case MOD -> c.setModRevision(rnd.nextInt(5) == 0 ? 0 : rev(1));
      case VALUE -> c.setValue(value());
      case LEASE -> c.setLease(rnd.nextInt(3) == 0 || leases.isEmpty() ? 0 : leaseForPut());
      default -> throw new IllegalStateException();
    }
    return c.build();
  }

  private RequestOp requestOp(int depth) {
    int p = rnd.nextInt(depth < 2 ? 10 : 9);
    RequestOp.Builder b = RequestOp.newBuilder();
    if (p < 3) {
      b.setRequestRange(range(false));
    } else if (p < 6) {
      b.setRequestPut(put(true));
    } else if (p < 9) {
      b.setRequestDeleteRange(delete());
    } else {
      b.setRequestTxn(txn(depth + 1));
    }
    return b.build();
  }

  private TxnRequest txn(int depth) {
    TxnRequest t = txnCandidate(depth);
    while (depth == 0 && panicsEtcd(t)) {
      t = txnCandidate(depth);
    }
    return t;
  }

  /**
   * Whether a txn has, anywhere in it, both a from-key delete and a put with ignore_value /
   * ignore_lease: etcd's checks let a put of a key deleted earlier in the txn through (the from-key
   * delete covers nothing in its duplicate check), and etcd 3.4 then panics applying it. raftkv
   * refuses such a txn with "key not found" (kv's TxnTest); the oracle cannot take part, so none is
   * sent.
   */
  private static boolean panicsEtcd(TxnRequest t) {
    return has(t, true) && has(t, false);
  }

  private static boolean has(TxnRequest t, boolean fromKeyDelete) {
    for (List<RequestOp> branch : List.of(t.getSuccessList(), t.getFailureList())) {
      for (RequestOp op : branch) {
        if (op.hasRequestTxn() && has(op.getRequestTxn(), fromKeyDelete)) {
          return true;
        }
        if (fromKeyDelete
            && op.hasRequestDeleteRange()
            && op.getRequestDeleteRange()
                .getRangeEnd()
                .equals(ByteString.copyFrom(new byte[] {0}))) {
          return true;
        }
        if (!fromKeyDelete
            && op.hasRequestPut()
            && (op.getRequestPut().getIgnoreValue() || op.getRequestPut().getIgnoreLease())) {
          return true;
        }
      }
    }
    return false;
  }

  private TxnRequest txnCandidate(int depth) {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    int compares = rnd.nextInt(depth == 0 ? 4 : 3);
    for (int i = 0; i < compares; i++) {
      b.addCompare(compare());
    }
    int success = rnd.nextInt(4);
    for (int i = 0; i < success; i++) {
      b.addSuccess(requestOp(depth));
    }
    int failure = rnd.nextInt(3);
    for (int i = 0; i < failure; i++) {
      b.addFailure(requestOp(depth));
    }
    return b.build();
  }

  private TxnRequest invalidTxn() {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    switch (rnd.nextInt(6)) {
      case 4 -> { // a nested txn gets the op budget its parent leaves (128 - 10), give or take one
        for (int i = 0; i < 9; i++) {
          b.addSuccess(RequestOp.newBuilder().setRequestRange(range(false)));
        }
        TxnRequest.Builder nested = TxnRequest.newBuilder();
        int n = 117 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
          nested.addFailure(RequestOp.newBuilder().setRequestRange(range(false)));
        }
        b.addSuccess(RequestOp.newBuilder().setRequestTxn(nested));
      }
      case 5 -> { // an empty request op
        b.addSuccess(RequestOp.newBuilder().setRequestPut(put(false)));
        b.addFailure(RequestOp.getDefaultInstance());
      }
      case 0 -> { // too many ops (129) in one branch
        for (int i = 0; i < 129; i++) {
          b.addSuccess(RequestOp.newBuilder().setRequestRange(range(false)));
        }
      }
      case 1 -> { // too many compares
        for (int i = 0; i < 129; i++) {
          b.addCompare(compare());
        }
      }
      case 2 -> { // the same key put twice
        PutRequest p = put(false);
        b.addSuccess(RequestOp.newBuilder().setRequestPut(p));
        b.addSuccess(RequestOp.newBuilder().setRequestPut(p.toBuilder().setValue(value())));
      }
      default -> { // a put inside a range deleted in the same branch (maybe in a nested txn)
        ByteString k = bs(prefix + "a");
        b.addFailure(
            RequestOp.newBuilder()
                .setRequestDeleteRange(
                    DeleteRangeRequest.newBuilder().setKey(k).setRangeEnd(prefixEnd(k))));
        PutRequest p = PutRequest.newBuilder().setKey(bs(prefix + "a/1")).setValue(value()).build();
        if (rnd.nextBoolean()) {
          b.addFailure(RequestOp.newBuilder().setRequestPut(p));
        } else {
          b.addFailure(
              RequestOp.newBuilder()
                  .setRequestTxn(
                      TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(p))));
        }
      }
    }
    return b.build();
  }

  private CompactionRequest compact() {
    long r = rev(2);
    if (r > compactionCeiling && r <= revision) {
      r = compactionCeiling; // see the class comment
    }
    return CompactionRequest.newBuilder().setRevision(r).setPhysical(rnd.nextBoolean()).build();
  }

  private LeaseGrantRequest leaseGrant() {
    long id;
    if (!leases.isEmpty() && rnd.nextInt(5) == 0) {
      id = leases.get(rnd.nextInt(leases.size())); // already exists
    } else {
      id = leaseId(leaseCounter++ % 60);
      leases.add(id);
    }
    return LeaseGrantRequest.newBuilder().setID(id).setTTL(LEASE_TTL).build();
  }

  private LeaseRevokeRequest leaseRevoke() {
    long id;
    if (!leases.isEmpty() && rnd.nextInt(4) != 0) {
      id = leases.remove(rnd.nextInt(leases.size()));
    } else {
      id = leaseId(62); // never granted
    }
    return LeaseRevokeRequest.newBuilder().setID(id).build();
  }

  private WatchCreateRequest watch() {
    ByteString[] r = keyRange();
    WatchCreateRequest.Builder b =
        WatchCreateRequest.newBuilder().setKey(r[0]).setRangeEnd(r[1]).setPrevKv(rnd.nextBoolean());
    if (rnd.nextInt(3) != 0) {
      b.setStartRevision(rev(1));
    }
    int filter = rnd.nextInt(5);
    if (filter == 0) {
      b.addFilters(WatchCreateRequest.FilterType.NOPUT);
    } else if (filter == 1) {
      b.addFilters(WatchCreateRequest.FilterType.NODELETE);
    }
    if (rnd.nextInt(4) == 0) {
      b.setFragment(true);
    }
    if (rnd.nextInt(5) == 0) {
      b.setWatchId(100 + rnd.nextInt(3)); // a client-chosen id, maybe one in use
    }
    return b.build();
  }
}

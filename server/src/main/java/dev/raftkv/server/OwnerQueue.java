package dev.raftkv.server;

import dev.raftkv.kv.Bytes;
import dev.raftkv.kv.Compare;
import dev.raftkv.kv.DeleteRange;
import dev.raftkv.kv.Event;
import dev.raftkv.kv.KeyValue;
import dev.raftkv.kv.LeaseExpiry;
import dev.raftkv.kv.LeaseGrantRequest;
import dev.raftkv.kv.LeaseGrantResponse;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.Range;
import dev.raftkv.kv.RequestOp;
import dev.raftkv.kv.Txn;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The queue of owners behind a lock or an election name, as etcd's client-side {@code concurrency}
 * package keeps it, run on the server (etcd's {@code v3lock} and {@code v3election} do the same
 * through an in-process client): each contender has the key {@code <name>/<lease in hex>}, created
 * with its lease; the one with the lowest create revision owns the name; the others each wait for
 * the deletion of the last key created before theirs. Every step is a txn, a linearizable range or
 * a watch made with the caller's credentials, through the server core.
 */
final class OwnerQueue {
  /** The TTL of the lease granted for a call that names none (etcd's session default). */
  static final long SESSION_TTL_SECONDS = 60;

  private final KvServer server;
  private final LeaseExpiry leases;
  private final KeyWatches watches;

  OwnerQueue(KvServer server, LeaseExpiry leases, KeyWatches watches) {
    this.server = server;
    this.leases = leases;
    this.watches = watches;
  }

  KvServer server() {
    return server;
  }

  KeyWatches watches() {
    return watches;
  }

  /** The name's prefix: the name and a slash, as etcd's mutex and election use it. */
  static byte[] prefix(byte[] name) {
    byte[] p = new byte[name.length + 1];
    System.arraycopy(name, 0, p, 0, name.length);
    p[name.length] = '/';
    return p;
  }

  /** A contender's key: the prefix and the lease id in lower-case hex. */
  static byte[] key(byte[] prefix, long lease) {
    byte[] hex = Long.toHexString(lease).getBytes(StandardCharsets.US_ASCII);
    byte[] k = new byte[prefix.length + hex.length];
    System.arraycopy(prefix, 0, k, 0, prefix.length);
    System.arraycopy(hex, 0, k, prefix.length, hex.length);
    return k;
  }

  /**
   * {@code lease}, or for 0 a new lease of {@link #SESSION_TTL_SECONDS} that nobody keeps alive (an
   * etcd session made without a lease grants one, and the servers orphan it).
   */
  CompletableFuture<Long> leaseOrGrant(AuthInfo caller, long lease) {
    if (lease != 0) {
      return CompletableFuture.completedFuture(lease);
    }
    return server.withTimeout(
        server.apply(
            new LeaseGrantRequest(0, SESSION_TTL_SECONDS),
            caller,
            r -> {
              LeaseGrantResponse g = (LeaseGrantResponse) r;
              leases.granted(g.id(), g.ttlSeconds());
              return g.id();
            }));
  }

  /**
   * What joining the queue found.
   *
   * @param key the contender's key
   * @param rev its create revision (the queue position)
   * @param revision the txn's revision (its response header)
   * @param existing the key as it was when it existed already (a second call with the same lease),
   *     or null when the txn created it
   * @param owner the key with the lowest create revision under the prefix after the txn
   */
  record Joined(byte[] key, long rev, long revision, KeyValue existing, KeyValue owner) {
    /** Whether this contender owns the name already. */
    boolean owns() {
      return owner == null || owner.createRevision() == rev;
    }
  }

  /**
   * Joins the queue of {@code prefix} with {@code lease}: one txn that creates the key with {@code
   * value} if it does not exist (else reads it: the same lease joined before and keeps its place)
   * and reads the owner.
   */
  CompletableFuture<Joined> join(AuthInfo caller, byte[] prefix, long lease, byte[] value) {
    byte[] key = key(prefix, lease);
    Range owner = first(prefix, false, 0);
    Txn txn =
        new Txn(
            List.of(Compare.create(key, Compare.Result.EQUAL, 0)),
            List.<RequestOp>of(new Put(key, value, lease, false, false, false), owner),
            List.<RequestOp>of(Range.get(key), owner));
    return server.withTimeout(
        server.apply(
            txn,
            caller,
            r -> {
              Txn.Result t = (Txn.Result) r;
              KeyValue existing = null;
              long rev = t.revision();
              if (!t.succeeded()) {
                existing = ((Range.Result) t.responses().get(0)).kvs().get(0);
                rev = existing.createRevision();
              }
              List<KeyValue> owners = ((Range.Result) t.responses().get(1)).kvs();
              return new Joined(
                  key, rev, t.revision(), existing, owners.isEmpty() ? null : owners.get(0));
            }));
  }

  /**
   * The first (or, with {@code last}, the last) key by create revision under {@code prefix},
   * created at or below {@code maxCreate} (0: any).
   */
  static Range first(byte[] prefix, boolean last, long maxCreate) {
    return Range.prefix(prefix)
        .sorted(Range.SortTarget.CREATE, last ? Range.SortOrder.DESCEND : Range.SortOrder.ASCEND)
        .withLimit(1)
        .revisionBounds(0, 0, 0, maxCreate);
  }

  /**
   * A linearizable read of {@code range}, if the caller may read it (etcd checks the range's
   * permission on the member that serves it).
   */
  CompletableFuture<Range.Result> read(AuthInfo caller, Range range) {
    return server.withTimeout(
        server
            .readBarrier()
            .thenApply(
                ignored -> {
                  if (caller != null || server.auth().enabled()) {
                    server.auth().checkRead(caller, range.key(), range.rangeEnd());
                  }
                  return server.store().range(range);
                }));
  }

  /** Deletes {@code key} (an Unlock); completes with the revision of the answer's header. */
  CompletableFuture<Long> delete(AuthInfo caller, byte[] key) {
    return server.withTimeout(server.apply(DeleteRange.key(key), caller, r -> r.revision()));
  }

  /**
   * Deletes {@code key} if it is still the one created at {@code rev} (an election's Resign);
   * completes with the revision of the answer's header.
   */
  CompletableFuture<Long> deleteIfCreatedAt(AuthInfo caller, byte[] key, long rev) {
    Txn txn =
        new Txn(
            List.of(Compare.create(key, Compare.Result.EQUAL, rev)),
            List.<RequestOp>of(DeleteRange.key(key)),
            List.of());
    return server.withTimeout(server.apply(txn, caller, r -> r.revision()));
  }

  /**
   * Waits until every key under {@code prefix} created before {@code rev} (the caller's own key,
   * {@code key}) is deleted: reads the last of them, watches it until it is deleted, and again,
   * until none is left (etcd's {@code waitDeletes}). Fails with {@code keyLost} if the caller's own
   * key is deleted meanwhile (its lease expired or was revoked), with the first failing step's
   * error otherwise.
   */
  Wait waitTurn(
      AuthInfo caller, byte[] prefix, byte[] key, long rev, StatusRuntimeException keyLost) {
    Wait w = new Wait(caller, prefix, rev);
    w.start(key, keyLost);
    return w;
  }

  /**
   * One wait for a turn: completes with the revision at which no predecessor was left; cancel drops
   * its watchers.
   */
  final class Wait {
    private final AuthInfo caller;
    private final byte[] prefix;
    private final long rev;
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    private KeyWatches.Handle own; // guarded by this
    private KeyWatches.Handle predecessor; // guarded by this

    private Wait(AuthInfo caller, byte[] prefix, long rev) {
      this.caller = caller;
      this.prefix = prefix;
      this.rev = rev;
    }

    /** Completes once the turn came, or fails. */
    CompletableFuture<Long> done() {
      return done;
    }

    private void start(byte[] key, StatusRuntimeException keyLost) {
      done.whenComplete((v, e) -> dropWatchers());
      KeyWatches.Handle h =
          watches.watch(
              key, null, rev + 1, new DeleteListener(() -> done.completeExceptionally(keyLost)));
      synchronized (this) {
        own = h;
      }
      if (done.isDone()) {
        h.cancel();
      }
      next();
    }

    /** Reads the last predecessor and watches it, or completes when there is none. */
    private void next() {
      if (done.isDone()) {
        return;
      }
      read(caller, first(prefix, true, rev - 1))
          .whenComplete(
              (r, e) -> {
                if (e != null) {
                  done.completeExceptionally(e);
                } else if (r.kvs().isEmpty()) {
                  done.complete(r.revision());
                } else {
                  watchDeletion(r.kvs().get(0).key(), r.revision());
                }
              });
    }

    private void watchDeletion(byte[] key, long from) {
      KeyWatches.Handle h =
          watches.watch(key, null, from, new DeleteListener(this::predecessorGone));
      boolean drop;
      synchronized (this) {
        predecessor = h;
        drop = done.isDone();
      }
      if (drop) {
        h.cancel();
      }
    }

    private void predecessorGone() {
      KeyWatches.Handle h;
      synchronized (this) {
        h = predecessor;
        predecessor = null;
      }
      if (h != null) {
        h.cancel();
      }
      next();
    }

    /** Stops waiting: drops the watchers; the future fails with {@code why} if not done yet. */
    void cancel(RuntimeException why) {
      done.completeExceptionally(why);
    }

    private void dropWatchers() {
      KeyWatches.Handle a;
      KeyWatches.Handle b;
      synchronized (this) {
        a = own;
        b = predecessor;
        own = null;
        predecessor = null;
      }
      if (a != null) {
        a.cancel();
      }
      if (b != null) {
        b.cancel();
      }
    }

    /** Runs {@code onDelete} at the first delete event; fails the wait if the watcher ends. */
    private final class DeleteListener implements KeyWatches.Listener {
      private final Runnable onDelete;
      private boolean fired;

      DeleteListener(Runnable onDelete) {
        this.onDelete = onDelete;
      }

      @Override
      public void events(List<Event> events) {
        if (fired) {
          return;
        }
        for (Event e : events) {
          if (e.type() == Event.Type.DELETE) {
            fired = true;
            onDelete.run();
            return;
          }
        }
      }

      @Override
      public void ended(RuntimeException why) {
        done.completeExceptionally(why);
      }
    }
  }

  /** {@code prefix}'s end for a range over every key under it. */
  static byte[] prefixEnd(byte[] prefix) {
    return Bytes.prefixEnd(prefix);
  }
}

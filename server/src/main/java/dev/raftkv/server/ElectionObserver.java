package dev.raftkv.server;

import dev.raftkv.api.v3electionpb.LeaderResponse;
import dev.raftkv.kv.Event;
import dev.raftkv.kv.KeyValue;
import dev.raftkv.kv.Range;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;

/**
 * One Observe call (etcd's {@code Election.Observe}): sends the election's leader (the key with the
 * lowest create revision under the name's prefix), or waits with a watch on the prefix for the
 * first key put there; then each new value of that key, from a watch on it; when it is deleted,
 * looks for the next leader again. Ends when the client cancels; fails when a read or a watcher
 * fails (the server stops, history compacted away).
 */
final class ElectionObserver {
  private final OwnerQueue queue;
  private final byte[] prefix;
  private final ServerCallStreamObserver<LeaderResponse> call;
  private AuthInfo caller; // guarded by this
  private KeyWatches.Handle watch; // guarded by this
  private boolean stopped; // guarded by this

  ElectionObserver(OwnerQueue queue, byte[] prefix, ServerCallStreamObserver<LeaderResponse> call) {
    this.queue = queue;
    this.prefix = prefix;
    this.call = call;
  }

  /** Starts observing with the credentials of {@code who}. */
  void start(AuthInfo who) {
    synchronized (this) {
      caller = who;
    }
    findLeader();
  }

  /** The client is gone: drop the watcher. */
  void stop() {
    KeyWatches.Handle h;
    synchronized (this) {
      stopped = true;
      h = watch;
      watch = null;
    }
    if (h != null) {
      h.cancel();
    }
  }

  /** Ends the call with etcd's error for {@code e}. */
  void fail(Throwable e) {
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
    }
    stop();
    call.onError(EtcdError.toStatus(e));
  }

  private void findLeader() {
    AuthInfo who;
    synchronized (this) {
      if (stopped) {
        return;
      }
      who = caller;
    }
    queue
        .read(who, OwnerQueue.first(prefix, false, 0))
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                fail(e);
              } else if (r.kvs().isEmpty()) {
                awaitFirst(r);
              } else {
                KeyValue leader = r.kvs().get(0);
                if (send(leader, r.revision())) {
                  follow(leader, r.revision());
                }
              }
            });
  }

  /** No leader at {@code empty}'s revision: watches the prefix for the first put from there. */
  private void awaitFirst(Range.Result empty) {
    watch(
        prefix,
        OwnerQueue.prefixEnd(prefix),
        empty.revision(),
        new KeyWatches.Listener() {
          private boolean found;

          @Override
          public void events(List<Event> events) {
            if (found) {
              return;
            }
            for (Event e : events) {
              if (e.type() == Event.Type.PUT) {
                found = true;
                dropWatch();
                if (send(e.kv(), e.kv().modRevision())) {
                  follow(e.kv(), e.kv().modRevision());
                }
                return;
              }
            }
          }

          @Override
          public void ended(RuntimeException why) {
            fail(why);
          }
        });
  }

  /** Sends each new value of the leader's key after {@code revision}; looks again once deleted. */
  private void follow(KeyValue leader, long revision) {
    watch(
        leader.key(),
        null,
        revision + 1,
        new KeyWatches.Listener() {
          private boolean deleted;

          @Override
          public void events(List<Event> events) {
            for (Event e : events) {
              if (deleted) {
                return;
              }
              if (e.type() == Event.Type.DELETE) {
                deleted = true;
                dropWatch();
                findLeader();
                return;
              }
              send(e.kv(), e.kv().modRevision());
            }
          }

          @Override
          public void ended(RuntimeException why) {
            fail(why);
          }
        });
  }

  private void watch(byte[] key, byte[] end, long from, KeyWatches.Listener l) {
    synchronized (this) {
      if (stopped) {
        return;
      }
      watch = queue.watches().watch(key, end, from, l);
    }
  }

  private void dropWatch() {
    KeyWatches.Handle h;
    synchronized (this) {
      h = watch;
      watch = null;
    }
    if (h != null) {
      h.cancel();
    }
  }

  /** Sends the leader's key at {@code revision}; false once the call is over. */
  private synchronized boolean send(KeyValue kv, long revision) {
    if (stopped || call.isCancelled()) {
      return false;
    }
    call.onNext(
        LeaderResponse.newBuilder()
            .setHeader(queue.server().header(revision))
            .setKv(EtcdProtos.toProto(kv))
            .build());
    return true;
  }
}

package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.api.v3lockpb.LockGrpc;
import dev.raftkv.api.v3lockpb.LockRequest;
import dev.raftkv.api.v3lockpb.LockResponse;
import dev.raftkv.api.v3lockpb.UnlockRequest;
import dev.raftkv.api.v3lockpb.UnlockResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code Lock} service ({@code v3lockpb.Lock}), with the semantics of etcd's {@code v3lock}
 * (a {@code concurrency.Mutex} per call, see {@link OwnerQueue}): Lock creates {@code <name>/<lease
 * hex>} with the lease and answers once every key created before it under the name is gone, with
 * that key; Unlock deletes the key. A Lock without a lease gets a new 60 s lease. A Lock whose key
 * is deleted while it waits (its lease expired or was revoked) fails with etcd's {@code mutex:
 * session is expired}; a Lock the client cancels while it waits deletes its key, as etcd's does.
 * Every step carries the caller's credentials.
 */
final class EtcdLockService extends LockGrpc.LockImplBase {
  private final OwnerQueue queue;

  EtcdLockService(OwnerQueue queue) {
    this.queue = queue;
  }

  @Override
  public void lock(LockRequest req, StreamObserver<LockResponse> out) {
    KvServer server = queue.server();
    ServerCallStreamObserver<LockResponse> call = (ServerCallStreamObserver<LockResponse>) out;
    Attempt a = new Attempt();
    call.setOnCancelHandler(a::cancelledByClient);
    CompletableFuture<LockResponse> answer =
        server.auth().callerAfter(server::readBarrier).thenCompose(caller -> a.run(caller, req));
    KvServer.answerUnlessCancelled(answer, call);
  }

  /** One Lock call: its key once it has one, and its wait. */
  private final class Attempt {
    private AuthInfo caller; // guarded by this
    private byte[] key; // guarded by this
    private OwnerQueue.Wait wait; // guarded by this
    private boolean cancelled; // guarded by this

    CompletableFuture<LockResponse> run(AuthInfo who, LockRequest req) {
      synchronized (this) {
        caller = who;
      }
      byte[] prefix = OwnerQueue.prefix(req.getName().toByteArray());
      return queue
          .leaseOrGrant(who, req.getLease())
          .thenCompose(lease -> queue.join(who, prefix, lease, new byte[0]))
          .thenCompose(
              joined -> {
                synchronized (this) {
                  key = joined.key();
                  if (cancelled) {
                    release();
                    return CompletableFuture.failedFuture(cancelledStatus());
                  }
                }
                if (joined.owns()) {
                  return CompletableFuture.completedFuture(
                      response(joined.revision(), joined.key()));
                }
                OwnerQueue.Wait w =
                    queue.waitTurn(
                        who,
                        prefix,
                        joined.key(),
                        joined.rev(),
                        EtcdError.SESSION_EXPIRED.exception());
                synchronized (this) {
                  wait = w;
                  if (cancelled) {
                    w.cancel(cancelledStatus());
                  }
                }
                return w.done()
                    .handle(
                        (rev, e) -> {
                          if (e == null) {
                            return CompletableFuture.completedFuture(response(rev, joined.key()));
                          }
                          // etcd's mutex releases its key when the wait fails
                          synchronized (this) {
                            release();
                          }
                          return CompletableFuture.<LockResponse>failedFuture(e);
                        })
                    .thenCompose(f -> f);
              });
    }

    synchronized void cancelledByClient() {
      cancelled = true;
      if (wait != null) {
        wait.cancel(cancelledStatus());
      }
    }

    /** Deletes the key (a no-op once it is gone). Holds this. */
    private void release() {
      if (key != null) {
        byte[] k = key;
        key = null;
        queue.delete(caller, k);
      }
    }
  }

  private LockResponse response(long revision, byte[] key) {
    return LockResponse.newBuilder()
        .setHeader(queue.server().header(revision))
        .setKey(ByteString.copyFrom(key))
        .build();
  }

  private static StatusRuntimeException cancelledStatus() {
    return Status.CANCELLED.withDescription("context canceled").asRuntimeException();
  }

  @Override
  public void unlock(UnlockRequest req, StreamObserver<UnlockResponse> out) {
    KvServer server = queue.server();
    server.reply(
        server
            .auth()
            .callerAfter(server::readBarrier)
            .thenCompose(caller -> queue.delete(caller, req.getKey().toByteArray()))
            .thenApply(rev -> UnlockResponse.newBuilder().setHeader(server.header(rev)).build()),
        out);
  }
}

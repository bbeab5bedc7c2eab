package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.api.v3electionpb.CampaignRequest;
import dev.raftkv.api.v3electionpb.CampaignResponse;
import dev.raftkv.api.v3electionpb.ElectionGrpc;
import dev.raftkv.api.v3electionpb.LeaderKey;
import dev.raftkv.api.v3electionpb.LeaderRequest;
import dev.raftkv.api.v3electionpb.LeaderResponse;
import dev.raftkv.api.v3electionpb.ProclaimRequest;
import dev.raftkv.api.v3electionpb.ProclaimResponse;
import dev.raftkv.api.v3electionpb.ResignRequest;
import dev.raftkv.api.v3electionpb.ResignResponse;
import dev.raftkv.kv.Compare;
import dev.raftkv.kv.Put;
import dev.raftkv.kv.RequestOp;
import dev.raftkv.kv.Txn;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code Election} service ({@code v3electionpb.Election}), with the semantics of etcd's
 * {@code v3election} (a {@code concurrency.Election} per call, see {@link OwnerQueue}): Campaign
 * creates {@code <name>/<lease hex>} with the value and answers once it has the lowest create
 * revision under the name (a second Campaign with the same lease keeps its place and proclaims the
 * new value); Proclaim and Resign act only while the key is still the one created at the leader
 * key's revision; Leader reads the key with the lowest create revision ({@code election: no leader}
 * when none); Observe streams the leader's key each time it or its value changes ({@link
 * ElectionObserver}). A Campaign the client cancels while it waits resigns, as etcd's does.
 */
final class EtcdElectionService extends ElectionGrpc.ElectionImplBase {
  private final OwnerQueue queue;

  EtcdElectionService(OwnerQueue queue) {
    this.queue = queue;
  }

  @Override
  public void campaign(CampaignRequest req, StreamObserver<CampaignResponse> out) {
    KvServer server = queue.server();
    ServerCallStreamObserver<CampaignResponse> call =
        (ServerCallStreamObserver<CampaignResponse>) out;
    Candidacy c = new Candidacy();
    call.setOnCancelHandler(c::cancelledByClient);
    KvServer.answerUnlessCancelled(
        server.auth().callerAfter(server::readBarrier).thenCompose(caller -> c.run(caller, req)),
        call);
  }

  /** One Campaign call: its key once it has one, and its wait. */
  private final class Candidacy {
    private AuthInfo caller; // guarded by this
    private byte[] key; // guarded by this
    private long rev; // guarded by this
    private OwnerQueue.Wait wait; // guarded by this
    private boolean cancelled; // guarded by this

    CompletableFuture<CampaignResponse> run(AuthInfo who, CampaignRequest req) {
      synchronized (this) {
        caller = who;
      }
      byte[] prefix = OwnerQueue.prefix(req.getName().toByteArray());
      byte[] value = req.getValue().toByteArray();
      return queue
          .leaseOrGrant(who, req.getLease())
          .thenCompose(
              lease ->
                  queue
                      .join(who, prefix, lease, value)
                      .thenCompose(joined -> proclaimIfChanged(who, joined, lease, value))
                      .thenCompose(joined -> awaitTurn(who, req, prefix, lease, joined)));
    }

    /** A second campaign with another value proclaims it (and resigns if that fails). */
    private CompletableFuture<OwnerQueue.Joined> proclaimIfChanged(
        AuthInfo who, OwnerQueue.Joined joined, long lease, byte[] value) {
      synchronized (this) {
        key = joined.key();
        rev = joined.rev();
      }
      if (joined.existing() == null || Arrays.equals(joined.existing().value(), value)) {
        return CompletableFuture.completedFuture(joined);
      }
      return proclaim(who, joined.key(), joined.rev(), lease, value)
          .handle(
              (ignored, e) -> {
                if (e == null) {
                  return CompletableFuture.completedFuture(joined);
                }
                synchronized (this) {
                  resign();
                }
                return CompletableFuture.<OwnerQueue.Joined>failedFuture(e);
              })
          .thenCompose(f -> f);
    }

    private CompletableFuture<CampaignResponse> awaitTurn(
        AuthInfo who, CampaignRequest req, byte[] prefix, long lease, OwnerQueue.Joined joined) {
      CampaignResponse answer =
          CampaignResponse.newBuilder()
              .setHeader(queue.server().header(joined.revision()))
              .setLeader(
                  LeaderKey.newBuilder()
                      .setName(req.getName())
                      .setKey(ByteString.copyFrom(joined.key()))
                      .setRev(joined.rev())
                      .setLease(lease))
              .build();
      synchronized (this) {
        if (cancelled) {
          resign();
          return CompletableFuture.failedFuture(cancelledStatus());
        }
      }
      if (joined.owns()) {
        return CompletableFuture.completedFuture(answer);
      }
      OwnerQueue.Wait w =
          queue.waitTurn(
              who, prefix, joined.key(), joined.rev(), EtcdError.ELECTION_NOT_LEADER.exception());
      synchronized (this) {
        wait = w;
        if (cancelled) {
          w.cancel(cancelledStatus());
        }
      }
      return w.done()
          .handle(
              (ignored, e) -> {
                if (e == null) {
                  return CompletableFuture.completedFuture(answer);
                }
                synchronized (this) {
                  if (cancelled) {
                    resign(); // etcd resigns when the campaign's context ends
                  }
                }
                return CompletableFuture.<CampaignResponse>failedFuture(e);
              })
          .thenCompose(f -> f);
    }

    synchronized void cancelledByClient() {
      cancelled = true;
      if (wait != null) {
        wait.cancel(cancelledStatus());
      }
    }

    /** Deletes the key if it is still this campaign's. Holds this. */
    private void resign() {
      if (key != null) {
        byte[] k = key;
        key = null;
        queue.deleteIfCreatedAt(caller, k, rev);
      }
    }
  }

  private static StatusRuntimeException cancelledStatus() {
    return Status.CANCELLED.withDescription("context canceled").asRuntimeException();
  }

  /**
   * Puts {@code value} on {@code key} if it is still the one created at {@code rev}; fails with
   * {@code election: not leader} otherwise. Completes with the txn's revision.
   */
  private CompletableFuture<Long> proclaim(
      AuthInfo caller, byte[] key, long rev, long lease, byte[] value) {
    KvServer server = queue.server();
    Txn txn =
        new Txn(
            List.of(Compare.create(key, Compare.Result.EQUAL, rev)),
            List.<RequestOp>of(new Put(key, value, lease, false, false, false)),
            List.of());
    return server.withTimeout(
        server.apply(
            txn,
            caller,
            r -> {
              Txn.Result t = (Txn.Result) r;
              if (!t.succeeded()) {
                throw EtcdError.ELECTION_NOT_LEADER.exception();
              }
              return t.revision();
            }));
  }

  @Override
  public void proclaim(ProclaimRequest req, StreamObserver<ProclaimResponse> out) {
    if (!req.hasLeader()) {
      out.onError(EtcdError.ELECTION_MISSING_LEADER_KEY.exception());
      return;
    }
    KvServer server = queue.server();
    LeaderKey l = req.getLeader();
    server.reply(
        server
            .auth()
            .callerAfter(server::readBarrier)
            .thenCompose(
                caller ->
                    proclaim(
                        caller,
                        l.getKey().toByteArray(),
                        l.getRev(),
                        l.getLease(),
                        req.getValue().toByteArray()))
            .thenApply(rev -> ProclaimResponse.newBuilder().setHeader(server.header(rev)).build()),
        out);
  }

  @Override
  public void leader(LeaderRequest req, StreamObserver<LeaderResponse> out) {
    KvServer server = queue.server();
    byte[] prefix = OwnerQueue.prefix(req.getName().toByteArray());
    server.reply(
        server
            .auth()
            .callerAfter(server::readBarrier)
            .thenCompose(caller -> queue.read(caller, OwnerQueue.first(prefix, false, 0)))
            .thenApply(
                r -> {
                  if (r.kvs().isEmpty()) {
                    throw EtcdError.ELECTION_NO_LEADER.exception();
                  }
                  return LeaderResponse.newBuilder()
                      .setHeader(server.header(r.revision()))
                      .setKv(EtcdProtos.toProto(r.kvs().get(0)))
                      .build();
                }),
        out);
  }

  @Override
  public void observe(LeaderRequest req, StreamObserver<LeaderResponse> out) {
    ServerCallStreamObserver<LeaderResponse> call = (ServerCallStreamObserver<LeaderResponse>) out;
    KvServer server = queue.server();
    ElectionObserver o =
        new ElectionObserver(queue, OwnerQueue.prefix(req.getName().toByteArray()), call);
    call.setOnCancelHandler(o::stop);
    server
        .auth()
        .callerAfter(server::readBarrier)
        .whenComplete(
            (caller, e) -> {
              if (e != null) {
                o.fail(e);
              } else {
                o.start(caller);
              }
            });
  }

  @Override
  public void resign(ResignRequest req, StreamObserver<ResignResponse> out) {
    if (!req.hasLeader()) {
      out.onError(EtcdError.ELECTION_MISSING_LEADER_KEY.exception());
      return;
    }
    KvServer server = queue.server();
    LeaderKey l = req.getLeader();
    server.reply(
        server
            .auth()
            .callerAfter(server::readBarrier)
            .thenCompose(
                caller -> queue.deleteIfCreatedAt(caller, l.getKey().toByteArray(), l.getRev()))
            .thenApply(rev -> ResignResponse.newBuilder().setHeader(server.header(rev)).build()),
        out);
  }
}

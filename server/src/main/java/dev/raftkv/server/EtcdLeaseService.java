package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrantResponse;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.LeaseKeepAliveRequest;
import dev.raftkv.api.etcdserverpb.LeaseKeepAliveResponse;
import dev.raftkv.api.etcdserverpb.LeaseLeasesRequest;
import dev.raftkv.api.etcdserverpb.LeaseLeasesResponse;
import dev.raftkv.api.etcdserverpb.LeaseRevokeRequest;
import dev.raftkv.api.etcdserverpb.LeaseRevokeResponse;
import dev.raftkv.api.etcdserverpb.LeaseStatus;
import dev.raftkv.api.etcdserverpb.LeaseTimeToLiveRequest;
import dev.raftkv.api.etcdserverpb.LeaseTimeToLiveResponse;
import dev.raftkv.kv.Lease;
import dev.raftkv.kv.LeaseExpiry;
import dev.raftkv.kv.Op;
import dev.raftkv.kv.Response;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * etcd's {@code Lease} service. Grant and revoke go through the Raft log (a follower's proposal is
 * forwarded by the Raft core); leases are listed from replicated state after a ReadIndex.
 * Keep-alive and time-to-live need the deadlines only the leader keeps ({@link LeaseExpiry}): a
 * follower forwards them to the leader's client URL (known from the replicated members) as etcd
 * does — a keep-alive stream is relayed whole once its first request found this member not leading.
 * Without a known leader, or on a call another member already forwarded, they fail with UNAVAILABLE
 * "etcdserver: not leader" and clients retry.
 */
final class EtcdLeaseService extends LeaseGrpc.LeaseImplBase {
  /** etcd's largest lease TTL in seconds. */
  static final long MAX_LEASE_TTL = 9_000_000_000L;

  private final KvServer server;
  private final LeaseExpiry leases;
  private final Duration timeout;
  private final LeaderChannels leader;
  private final long minTtlSeconds;

  /**
   * @param minTtlSeconds the smallest TTL a lease is granted with ({@link #minTtlSeconds(int,
   *     int)})
   */
  EtcdLeaseService(
      KvServer server,
      LeaseExpiry leases,
      LeaderChannels leader,
      Duration timeout,
      long minTtlSeconds) {
    this.leader = leader;
    this.server = server;
    this.leases = leases;
    this.timeout = timeout;
    this.minTtlSeconds = minTtlSeconds;
  }

  /**
   * etcd's minimum lease TTL: one and a half election timeouts ({@code (3 * electionTicks) / 2}
   * ticks, integer division, of one heartbeat each), rounded up to whole seconds; so a lease cannot
   * expire merely because a leader election took place. With etcd's defaults (100 ms, 1 s) it is 2
   * s; with 20 ms and 200 ms it is 1 s.
   *
   * @param heartbeatMs one Raft tick
   * @param electionTicks the election timeout in ticks
   */
  static long minTtlSeconds(int heartbeatMs, int electionTicks) {
    long ms = (long) ((3 * electionTicks) / 2) * heartbeatMs;
    return Math.max(1, (ms + 999) / 1000);
  }

  @Override
  public void leaseGrant(LeaseGrantRequest req, StreamObserver<LeaseGrantResponse> out) {
    if (!server.quota().admit(SpaceQuota.LEASE_OVERHEAD, out)) {
      return; // etcd's quotaLeaseServer checks first
    }
    if (req.getTTL() > MAX_LEASE_TTL) {
      out.onError(EtcdError.LEASE_TTL_TOO_LARGE.exception());
      return;
    }
    // etcd raises a TTL below its minimum (one and a half election timeouts)
    long ttl = Math.max(minTtlSeconds, req.getTTL());
    finish(
        propose(
            new dev.raftkv.kv.LeaseGrantRequest(req.getID(), ttl),
            r -> {
              dev.raftkv.kv.LeaseGrantResponse g = (dev.raftkv.kv.LeaseGrantResponse) r;
              leases.granted(g.id(), g.ttlSeconds());
              return LeaseGrantResponse.newBuilder()
                  .setHeader(server.header(g.revision()))
                  .setID(g.id())
                  .setTTL(g.ttlSeconds())
                  .build();
            }),
        out);
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest req, StreamObserver<LeaseRevokeResponse> out) {
    finish(
        propose(
            new dev.raftkv.kv.LeaseRevokeRequest(req.getID()),
            r -> LeaseRevokeResponse.newBuilder().setHeader(server.header(r.revision())).build()),
        out);
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    return new StreamObserver<>() {
      private boolean failed;
      private StreamObserver<LeaseKeepAliveRequest> upstream; // set once relaying to the leader

      @Override
      public void onNext(LeaseKeepAliveRequest req) {
        if (failed) {
          return;
        }
        if (upstream != null) {
          upstream.onNext(req);
          return;
        }
        long ttl;
        try {
          ttl = leases.keepAlive(req.getID());
        } catch (LeaseExpiry.NotLeaderException e) {
          Optional<LeaseGrpc.LeaseStub> stub = leaderStub();
          if (stub.isEmpty()) {
            failed = true;
            out.onError(notLeader());
            return;
          }
          upstream = stub.get().leaseKeepAlive(out);
          upstream.onNext(req);
          return;
        } catch (RuntimeException e) {
          failed = true;
          out.onError(EtcdError.toStatus(e));
          return;
        }
        out.onNext(
            LeaseKeepAliveResponse.newBuilder()
                .setHeader(server.header())
                .setID(req.getID())
                .setTTL(ttl)
                .build());
      }

      @Override
      public void onError(Throwable t) {
        failed = true;
        if (upstream != null) {
          upstream.onError(t);
        }
      }

      @Override
      public void onCompleted() {
        if (upstream != null) {
          upstream.onCompleted();
        } else if (!failed) {
          out.onCompleted();
        }
      }
    };
  }

  /** A stub on the leader for a call this member cannot answer, or empty (see the class doc). */
  private Optional<LeaseGrpc.LeaseStub> leaderStub() {
    if (LeaderChannels.isForwardedCall()) {
      return Optional.empty();
    }
    return leader
        .toLeader()
        .map(
            ch ->
                LeaseGrpc.newStub(ch)
                    .withInterceptors(
                        MetadataUtils.newAttachHeadersInterceptor(leader.forwardedHeaders())));
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest req, StreamObserver<LeaseTimeToLiveResponse> out) {
    if (server.auth().enabled()) {
      // etcd's checkLeaseTimeToLive: the caller must be able to read every key of the lease
      try {
        AuthInfo caller = server.auth().caller();
        for (byte[] k : server.store().keysWithLease(req.getID())) {
          server.auth().checkRead(caller, k, null);
        }
      } catch (io.grpc.StatusRuntimeException e) {
        out.onError(e);
        return;
      }
    }
    var status = server.runtime().status();
    if (status.leader() != status.id()) {
      Optional<LeaseGrpc.LeaseStub> stub = leaderStub();
      if (stub.isPresent()) {
        stub.get()
            .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .leaseTimeToLive(req, out);
        return;
      }
    }
    finish(
        server
            .runtime()
            .readIndex()
            .thenApply(
                ignored -> {
                  LeaseExpiry.Remaining rem;
                  try {
                    rem = leases.timeToLive(req.getID());
                  } catch (LeaseExpiry.NotLeaderException e) {
                    throw notLeader();
                  }
                  LeaseTimeToLiveResponse.Builder b =
                      LeaseTimeToLiveResponse.newBuilder()
                          .setHeader(server.header())
                          .setID(req.getID())
                          .setTTL(rem.ttlSeconds())
                          .setGrantedTTL(rem.grantedTtlSeconds());
                  if (req.getKeys() && rem.ttlSeconds() >= 0) {
                    for (byte[] k : server.store().keysWithLease(req.getID())) {
                      b.addKeys(ByteString.copyFrom(k));
                    }
                  }
                  return b.build();
                }),
        out);
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest req, StreamObserver<LeaseLeasesResponse> out) {
    finish(
        server
            .runtime()
            .readIndex()
            .thenApply(
                ignored -> {
                  LeaseLeasesResponse.Builder b =
                      LeaseLeasesResponse.newBuilder().setHeader(server.header());
                  for (Lease l : server.store().leases()) {
                    b.addLeases(LeaseStatus.newBuilder().setID(l.id()));
                  }
                  return b.build();
                }),
        out);
  }

  private static StatusRuntimeException notLeader() {
    return EtcdError.NOT_LEADER_RETRY.exception();
  }

  private <T> CompletableFuture<T> propose(Op op, Function<Response, T> convert) {
    return server.apply(op, convert);
  }

  private <T> void finish(CompletableFuture<T> f, StreamObserver<T> out) {
    server.reply(f, out);
  }
}

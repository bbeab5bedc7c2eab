package dev.raftkv.server;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.WatchCreateRequest;
import dev.raftkv.api.etcdserverpb.WatchGrpc;
import dev.raftkv.api.etcdserverpb.WatchRequest;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import dev.raftkv.kv.WatchHub;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * etcd's {@code Watch} service: one bidirectional stream carries any number of watchers, created
 * and canceled by the client's requests; the {@link WatchHub} sends their events.
 *
 * <p>Its handlers must not block: they run on the Netty event loop that read the request (see
 * {@link RaftkvServer}), so a watcher is registered, at the revision the member has, before any
 * later request of the connection is read, and sees every write sent after its create request. A
 * create from a past revision first waits until this member has applied what the cluster had
 * committed (see {@link WatchRequestOrder}), so its compaction check and replay are the cluster's,
 * not a lagging follower's; the stream's later requests keep their order behind it.
 */
final class EtcdWatchService extends WatchGrpc.WatchImplBase {
  private final WatchHub hub;
  private final KvServer server;

  EtcdWatchService(WatchHub hub, KvServer server) {
    this.hub = hub;
    this.server = server;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    AuthInterceptor.Credentials credentials = AuthInterceptor.CREDENTIALS.get();
    WatchHub.Stream stream =
        GrpcWatchSink.open(
            hub, (ServerCallStreamObserver<WatchResponse>) responses, server::header);
    WatchRequestOrder order = new WatchRequestOrder(server.blockingReads());
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest r) {
        switch (r.getRequestUnionCase()) {
          case CREATE_REQUEST -> {
            String refused = refusal(credentials, r.getCreateRequest());
            WatchHub.Create c = toCreate(r.getCreateRequest());
            if (refused != null) {
              order.run(() -> stream.refuseCreate(refused));
            } else if (c.startRevision() > 0) {
              order.runAfterBarrier(server::readBarrier, () -> stream.create(c));
            } else {
              order.runPinned(() -> stream.create(c), () -> pinned(stream, c));
            }
          }
          case CANCEL_REQUEST -> order.run(() -> stream.cancel(r.getCancelRequest().getWatchId()));
          case PROGRESS_REQUEST -> order.run(stream::progress);
          default -> {
            // an empty request: nothing to do, as etcd
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        order.close();
        stream.close();
      }

      @Override
      public void onCompleted() {
        // As etcd: a client that half-closes keeps its watchers; the stream goes on until the
        // call is cancelled. The JSON gateway half-closes once it has sent the request body.
      }
    };
  }

  /**
   * {@code c}, a create from the current revision, as a create from the revision after the one the
   * hub has now: what it means when it arrives, carried out later. Should that revision be
   * compacted by then, it is created from the then current revision, as a create from now never
   * fails.
   */
  private Runnable pinned(WatchHub.Stream stream, WatchHub.Create c) {
    WatchHub.Create at =
        new WatchHub.Create(
            c.watchId(),
            c.key(),
            c.end(),
            hub.revision() + 1,
            c.noPut(),
            c.noDelete(),
            c.prevKv(),
            c.progressNotify(),
            c.fragment());
    return () -> stream.create(at.startRevision() < server.store().compactedRevision() ? c : at);
  }

  /**
   * Why the stream's credentials may not watch {@code c}'s range (etcd's {@code isWatchPermitted}
   * at creation), as etcd words it in the cancel reason; null when they may (always while auth is
   * disabled).
   */
  private String refusal(AuthInterceptor.Credentials credentials, WatchCreateRequest c) {
    Authorizer auth = server.auth();
    if (!auth.enabled()) {
      return null;
    }
    byte[] key = c.getKey().isEmpty() ? new byte[] {0} : c.getKey().toByteArray();
    try {
      auth.checkRead(auth.authInfo(credentials), key, c.getRangeEnd().toByteArray());
      return null;
    } catch (io.grpc.StatusRuntimeException e) {
      return goStatusText(e.getStatus());
    }
  }

  /** A gRPC status as Go's {@code status.Error(...).Error()} prints it, etcd's cancel reason. */
  static String goStatusText(io.grpc.Status s) {
    StringBuilder code = new StringBuilder();
    for (String part : s.getCode().name().split("_")) {
      code.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return "rpc error: code = " + code + " desc = " + s.getDescription();
  }

  /** etcd's range conventions: no range_end is one key, "\0" every key from key on. */
  static WatchHub.Create toCreate(WatchCreateRequest c) {
    ByteString end = c.getRangeEnd();
    byte[] rangeEnd;
    if (end.isEmpty()) {
      rangeEnd = null;
    } else if (end.size() == 1 && end.byteAt(0) == 0) {
      rangeEnd = new byte[0];
    } else {
      rangeEnd = end.toByteArray();
    }
    boolean noPut = false;
    boolean noDelete = false;
    for (WatchCreateRequest.FilterType f : c.getFiltersList()) {
      if (f == WatchCreateRequest.FilterType.NOPUT) {
        noPut = true;
      } else if (f == WatchCreateRequest.FilterType.NODELETE) {
        noDelete = true;
      }
    }
    return new WatchHub.Create(
        c.getWatchId(),
        c.getKey().toByteArray(),
        rangeEnd,
        c.getStartRevision(),
        noPut,
        noDelete,
        c.getPrevKv(),
        c.getProgressNotify(),
        c.getFragment());
  }
}

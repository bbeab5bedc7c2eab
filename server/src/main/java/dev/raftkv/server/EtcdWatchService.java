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
    WatchHub.Stream stream =
        GrpcWatchSink.open(
            hub, (ServerCallStreamObserver<WatchResponse>) responses, server::header);
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest r) {
        switch (r.getRequestUnionCase()) {
          case CREATE_REQUEST -> stream.create(toCreate(r.getCreateRequest()));
          case CANCEL_REQUEST -> stream.cancel(r.getCancelRequest().getWatchId());
          case PROGRESS_REQUEST -> stream.progress();
          default -> {
            // an empty request: nothing to do, as etcd
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.close();
      }

      @Override
      public void onCompleted() {
        stream.completeFromClient();
      }
    };
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

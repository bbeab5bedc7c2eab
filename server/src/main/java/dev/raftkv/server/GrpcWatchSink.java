package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import dev.raftkv.kv.Event;
import dev.raftkv.kv.WatchHub;
import dev.raftkv.kv.WatchReply;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * One Watch call's side of a {@link WatchHub} stream: replies become etcd's {@code WatchResponse}s
 * under the core's header, split into fragments for a watcher that asked for them; the call's flow
 * control and end drive the stream.
 */
final class GrpcWatchSink implements WatchHub.Sink {
  /** A response to a watcher that asked for {@code fragment} is split above this size, as etcd. */
  static final int FRAGMENT_BYTES = KvServer.MAX_REQUEST_BYTES;

  private final ServerCallStreamObserver<WatchResponse> out;
  private final LongFunction<ResponseHeader> header;

  private GrpcWatchSink(
      ServerCallStreamObserver<WatchResponse> out, LongFunction<ResponseHeader> header) {
    this.out = out;
    this.header = header;
  }

  /**
   * Opens a hub stream answering on {@code out}; call from the gRPC method, before it returns.
   *
   * @param header the response header at a revision (the core's)
   */
  static WatchHub.Stream open(
      WatchHub hub,
      ServerCallStreamObserver<WatchResponse> out,
      LongFunction<ResponseHeader> header) {
    WatchHub.Stream s = hub.open(new GrpcWatchSink(out, header));
    out.setOnReadyHandler(s::schedule);
    out.setOnCancelHandler(s::close);
    return s;
  }

  @Override
  public boolean ready() {
    return out.isReady();
  }

  @Override
  public void send(WatchReply r) {
    WatchResponse.Builder b =
        WatchResponse.newBuilder()
            .setHeader(header.apply(r.revision()))
            .setWatchId(r.watchId())
            .setCreated(r.created())
            .setCanceled(r.canceled())
            .setCompactRevision(r.compactRevision());
    if (!r.cancelReason().isEmpty()) {
      b.setCancelReason(r.cancelReason());
    }
    for (Event e : r.events()) {
      b.addEvents(EtcdProtos.toProto(e, r.prevKv()));
    }
    WatchResponse full = b.build();
    if (r.fragment()) {
      for (WatchResponse part : fragments(full, FRAGMENT_BYTES)) {
        out.onNext(part);
      }
    } else {
      out.onNext(full);
    }
  }

  @Override
  public void stopped() {
    out.onError(EtcdError.SERVER_STOPPED.exception());
  }

  @Override
  public void failed(RuntimeException e) {
    out.onError(EtcdError.toStatus(e));
  }

  /**
   * etcd's fragments: the events of {@code full} in consecutive responses of at most about {@code
   * maxBytes} each (at least one event each), all but the last marked {@code fragment}.
   */
  static List<WatchResponse> fragments(WatchResponse full, int maxBytes) {
    if (full.getSerializedSize() <= maxBytes || full.getEventsCount() <= 1) {
      return List.of(full);
    }
    WatchResponse base = full.toBuilder().clearEvents().build();
    int baseSize = base.getSerializedSize();
    List<WatchResponse> parts = new ArrayList<>();
    WatchResponse.Builder part = base.toBuilder();
    int size = baseSize;
    for (dev.raftkv.api.mvccpb.Event e : full.getEventsList()) {
      int es = e.getSerializedSize() + 8;
      if (part.getEventsCount() > 0 && size + es > maxBytes) {
        parts.add(part.setFragment(true).build());
        part = base.toBuilder();
        size = baseSize;
      }
      part.addEvents(e);
      size += es;
    }
    parts.add(part.build());
    return parts;
  }
}

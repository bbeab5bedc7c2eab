package dev.raftkv.compat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.raftkv.api.etcdserverpb.CompactionRequest;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.LeaseRevokeRequest;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.WatchCancelRequest;
import dev.raftkv.api.etcdserverpb.WatchCreateRequest;
import dev.raftkv.api.etcdserverpb.WatchRequest;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/**
 * One side of the differential test: a cluster reached through one client endpoint (one member, so
 * serializable reads see the member's own writes) with etcd's generated stubs, and the watch stream
 * of the current seed.
 */
final class DiffTarget implements AutoCloseable {
  /** How long one call or one awaited watch response may take. */
  static final long TIMEOUT_MS = 10_000;

  private final String name;
  private final ManagedChannel channel;
  private WatchSession watch;

  /**
   * @param name "etcd" or "raftkv", for reports
   * @param endpoint {@code host:port}
   */
  DiffTarget(String name, String endpoint) {
    this.name = name;
    this.channel = ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
  }

  String name() {
    return name;
  }

  /** Starts a fresh watch stream for the next seed (closing the previous one). */
  void newWatchStream() {
    if (watch != null) {
      watch.close();
    }
    watch = new WatchSession(channel);
  }

  WatchSession watch() {
    return watch;
  }

  private KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private LeaseGrpc.LeaseBlockingStub lease() {
    return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /** What one op got: the comparable text, and the response itself (null for an error). */
  record Outcome(String text, Message response) {
    static Outcome of(Message response) {
      return new Outcome(Outcomes.of(response), response);
    }

    /** The response's header revision, or -1 when there is no response. */
    long revision() {
      if (response == null) {
        return -1;
      }
      FieldDescriptor f = response.getDescriptorForType().findFieldByName("header");
      return f == null ? -1 : ((ResponseHeader) response.getField(f)).getRevision();
    }
  }

  /**
   * Runs one op and returns its outcome ({@link Outcomes}); for watch ops, the reply the stream
   * gave to it.
   */
  Outcome execute(DiffOp op) throws InterruptedException {
    try {
      return switch (op.kind()) {
        case RANGE -> Outcome.of(kv().range((RangeRequest) op.request()));
        case PUT -> Outcome.of(kv().put((PutRequest) op.request()));
        case DELETE_RANGE -> Outcome.of(kv().deleteRange((DeleteRangeRequest) op.request()));
        case TXN -> Outcome.of(kv().txn((TxnRequest) op.request()));
        case COMPACT -> Outcome.of(kv().compact((CompactionRequest) op.request()));
        case LEASE_GRANT -> Outcome.of(lease().leaseGrant((LeaseGrantRequest) op.request()));
        case LEASE_REVOKE -> Outcome.of(lease().leaseRevoke((LeaseRevokeRequest) op.request()));
        case WATCH_CREATE -> {
          watch.send(
              WatchRequest.newBuilder()
                  .setCreateRequest((WatchCreateRequest) op.request())
                  .build());
          WatchResponse r = watch.awaitCreated(TIMEOUT_MS);
          yield r == null
              ? new Outcome("NO CREATED REPLY (stream: " + watch.failure() + ")", null)
              : Outcome.of(r);
        }
        case WATCH_CANCEL -> {
          long id = ((WatchCancelRequest) op.request()).getWatchId();
          watch.send(
              WatchRequest.newBuilder()
                  .setCancelRequest((WatchCancelRequest) op.request())
                  .build());
          WatchResponse r = watch.awaitCanceled(id, TIMEOUT_MS);
          yield r == null
              ? new Outcome("NO CANCELED REPLY (stream: " + watch.failure() + ")", null)
              : Outcome.of(r.toBuilder().clearEvents().build());
        }
      };
    } catch (StatusRuntimeException e) {
      return new Outcome(Outcomes.of(e), null);
    }
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

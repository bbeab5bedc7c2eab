package dev.raftkv.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.PutResponse;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.mvccpb.KeyValue;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The generated stubs carry calls end to end: a toy KV service (a map, no MVCC) behind the
 * generated {@code KVImplBase}, called through the generated blocking stub, in process and over
 * real HTTP/2 on loopback.
 */
class KvServiceRoundTripTest {

  /** put/range on a sorted map; every other KV method stays UNIMPLEMENTED. */
  static final class MapKv extends KVGrpc.KVImplBase {
    private final Map<ByteString, KeyValue> data =
        new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private long revision;

    private ResponseHeader header() {
      return ResponseHeader.newBuilder()
          .setClusterId(7)
          .setMemberId(1)
          .setRevision(revision)
          .build();
    }

    @Override
    public synchronized void put(PutRequest request, StreamObserver<PutResponse> response) {
      revision++;
      KeyValue previous = data.get(request.getKey());
      KeyValue kv =
          KeyValue.newBuilder()
              .setKey(request.getKey())
              .setValue(request.getValue())
              .setCreateRevision(previous == null ? revision : previous.getCreateRevision())
              .setModRevision(revision)
              .setVersion(previous == null ? 1 : previous.getVersion() + 1)
              .build();
      data.put(request.getKey(), kv);
      PutResponse.Builder out = PutResponse.newBuilder().setHeader(header());
      if (request.getPrevKv() && previous != null) {
        out.setPrevKv(previous);
      }
      response.onNext(out.build());
      response.onCompleted();
    }

    @Override
    public synchronized void range(RangeRequest request, StreamObserver<RangeResponse> response) {
      RangeResponse.Builder out = RangeResponse.newBuilder().setHeader(header());
      KeyValue kv = data.get(request.getKey());
      if (kv != null) {
        out.addKvs(kv).setCount(1);
      }
      response.onNext(out.build());
      response.onCompleted();
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static void putThenRange(KVGrpc.KVBlockingStub kv) {
    PutResponse first =
        kv.put(PutRequest.newBuilder().setKey(utf8("k")).setValue(utf8("v1")).build());
    assertThat(first.getHeader().getRevision()).isEqualTo(1);
    assertThat(first.hasPrevKv()).isFalse();

    PutResponse second =
        kv.put(
            PutRequest.newBuilder().setKey(utf8("k")).setValue(utf8("v2")).setPrevKv(true).build());
    assertThat(second.getHeader().getRevision()).isEqualTo(2);
    assertThat(second.getPrevKv().getValue().toStringUtf8()).isEqualTo("v1");

    RangeResponse got = kv.range(RangeRequest.newBuilder().setKey(utf8("k")).build());
    assertThat(got.getHeader().getClusterId()).isEqualTo(7);
    assertThat(got.getCount()).isEqualTo(1);
    KeyValue kvOut = got.getKvs(0);
    assertThat(kvOut.getValue().toStringUtf8()).isEqualTo("v2");
    assertThat(kvOut.getCreateRevision()).isEqualTo(1);
    assertThat(kvOut.getModRevision()).isEqualTo(2);
    assertThat(kvOut.getVersion()).isEqualTo(2);

    assertThat(kv.range(RangeRequest.newBuilder().setKey(utf8("missing")).build()).getKvsCount())
        .isZero();
  }

  @Test
  void putAndRangeInProcess() throws IOException, InterruptedException {
    String name = InProcessServerBuilder.generateName();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new MapKv())
            .build()
            .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
      putThenRange(kv);
      assertThatThrownBy(
              () -> kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(utf8("k")).build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void putAndRangeOverLoopbackHttp2() throws IOException, InterruptedException {
    // Bound to the loopback address only, on a port the OS picks.
    Server server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                InsecureServerCredentials.create())
            .addService(new MapKv())
            .build()
            .start();
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                InetAddress.getLoopbackAddress().getHostAddress(),
                server.getPort(),
                InsecureChannelCredentials.create())
            .build();
    try {
      putThenRange(KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

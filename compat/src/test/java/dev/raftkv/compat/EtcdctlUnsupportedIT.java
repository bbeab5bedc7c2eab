package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The etcd calls raftkv does not serve (listed in docs/etcd-compatibility.md) fail with the exact
 * error the document names, so the document stays true. (Every call etcdctl 3.4 makes is served
 * since the Auth service was: its cases are in {@link EtcdctlAuthCompatIT}.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdctlUnsupportedIT {
  private RaftkvCluster raftkv;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    raftkv =
        RaftkvCluster.start(dir, 3, 100, 1000); // etcd's timings: no elections on a loaded machine
  }

  @AfterAll
  void stop() {
    if (raftkv != null) {
      raftkv.close();
    }
  }

  /**
   * Calls etcdctl 3.4 cannot make: raw gRPC calls with an empty request, as etcd 3.5's downgrade
   * would make them. (The Lock and Election services are served: {@code JetcdLockElectionIT}.)
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "etcdserverpb.Maintenance/Downgrade | Method etcdserverpb.Maintenance/Downgrade is unimplemented",
      })
  void rawCallsAnswerUnimplemented(String method, String error) {
    String endpoint = raftkv.clientEndpoints().get(0);
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      MethodDescriptor<byte[], byte[]> m =
          MethodDescriptor.<byte[], byte[]>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(method.strip())
              .setRequestMarshaller(new RawBytes())
              .setResponseMarshaller(new RawBytes())
              .build();
      assertThatThrownBy(
              () -> ClientCalls.blockingUnaryCall(channel, m, CallOptions.DEFAULT, new byte[0]))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                assertThat(e.getStatus().getDescription()).isEqualTo(error.strip());
              });
    } finally {
      channel.shutdownNow();
    }
  }

  /** Messages as they are on the wire. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}

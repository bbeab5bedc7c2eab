package dev.raftkv.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The common name of a gRPC call's verified client certificate, read the way the server reads it
 * (the client port's TLS context from {@link ServerTls#grpcServer}); none over TLS without a client
 * certificate.
 */
class ClientCertificatesTest {
  @TempDir Path dir;

  @Test
  void aCallCarriesItsClientCertificatesCommonName() throws Exception {
    Pki.KeyAndCertificate ca = Pki.newCa("test CA");
    ca.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
    Pki.issue(ca, "member", List.of("127.0.0.1", "localhost"))
        .write(dir.resolve("m.crt"), dir.resolve("m.key"));
    Pki.KeyAndCertificate alice = Pki.issue(ca, "alice", List.of());
    ServerTls tls =
        ServerTls.load(
            new TlsFiles(
                dir.resolve("m.crt"), dir.resolve("m.key"), dir.resolve("ca.crt"), false, false),
            false,
            null);
    AtomicReference<Optional<String>> seen = new AtomicReference<>();
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            seen.set(ClientCertificates.commonName(call));
            return next.startCall(call, headers);
          }
        };
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sslContext(tls.grpcServer(null))
            .addService(
                new KVGrpc.KVImplBase() {
                  @Override
                  public void range(RangeRequest r, StreamObserver<RangeResponse> out) {
                    out.onNext(RangeResponse.getDefaultInstance());
                    out.onCompleted();
                  }
                })
            .intercept(capture)
            .build()
            .start();
    var trust = GrpcSslContexts.forClient().trustManager(ca.certificate());
    ManagedChannel withCert =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(ca.certificate())
                    .keyManager(alice.key(), alice.certificate())
                    .build())
            .build();
    ManagedChannel without =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .sslContext(trust.build())
            .build();
    try {
      KVGrpc.newBlockingStub(withCert)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .range(RangeRequest.getDefaultInstance());
      assertThat(seen.get()).contains("alice");
      KVGrpc.newBlockingStub(without)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .range(RangeRequest.getDefaultInstance());
      assertThat(seen.get()).isEmpty();
    } finally {
      withCert.shutdownNow();
      without.shutdownNow();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

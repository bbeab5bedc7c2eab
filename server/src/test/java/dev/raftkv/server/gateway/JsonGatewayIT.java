package dev.raftkv.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.server.HttpResponses;
import dev.raftkv.server.RaftkvServer;
import dev.raftkv.server.SingleMember;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON gateway and gRPC on one client port, one member: what the compatibility script against
 * etcd does not show (both protocols at once, HTTP/1.1 keep-alive and pipelining, limits, and a
 * stopping member ending the gateway's streams).
 */
class JsonGatewayIT {
  @TempDir Path dir;
  private RaftkvServer server;
  private int port;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = SingleMember.start(dir, "gateway");
    port = SingleMember.clientPort(server);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String post(String path, String body) {
    return "POST "
        + path
        + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n"
        + body;
  }

  @Test
  void grpcAndJsonOnOnePortSeeEachOthersWrites() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.getOutputStream()
          .write(
              post("/v3/kv/put", "{\"key\":\"" + b64("j") + "\",\"value\":\"" + b64("1") + "\"}")
                  .getBytes(StandardCharsets.UTF_8));
      assertThat(HttpResponses.read(s.getInputStream())).startsWith("HTTP/1.1 200 OK");
    }
    KVGrpc.KVBlockingStub kv =
        KVGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    assertThat(
            kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("j")).build())
                .getKvs(0)
                .getValue()
                .toStringUtf8())
        .isEqualTo("1");
    kv.put(
        PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("g"))
            .setValue(ByteString.copyFromUtf8("2"))
            .build());
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.getOutputStream()
          .write(
              post("/v3/kv/range", "{\"key\":\"" + b64("g") + "\"}")
                  .getBytes(StandardCharsets.UTF_8));
      assertThat(HttpResponses.read(s.getInputStream())).contains("\"value\":\"" + b64("2") + "\"");
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        all.append(
            post(
                "/v3/kv/put", "{\"key\":\"" + b64("p" + i) + "\",\"value\":\"" + b64("v") + "\"}"));
        all.append(post("/v3/kv/range", "{\"key\":\"" + b64("p" + i) + "\"}"));
      }
      s.getOutputStream().write(all.toString().getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      long previous = 0;
      for (int i = 0; i < 20; i++) {
        String put = HttpResponses.read(in);
        assertThat(put).startsWith("HTTP/1.1 200 OK").doesNotContain("\"kvs\"");
        long revision = revision(put);
        assertThat(revision).as("puts answered in order").isGreaterThan(previous);
        previous = revision;
        assertThat(HttpResponses.read(in)).contains("\"key\":\"" + b64("p" + i) + "\"");
      }
    }
  }

  private static long revision(String response) {
    int at = response.indexOf("\"revision\":\"") + "\"revision\":\"".length();
    return Long.parseLong(response.substring(at, response.indexOf('"', at)));
  }

  @Test
  void aBodyOverTheLimitIsRefusedWith413() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream out = s.getOutputStream();
      int length = RaftkvServer.GATEWAY_MAX_REQUEST_BYTES + 1;
      out.write(
          ("POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      assertThat(HttpResponses.read(s.getInputStream())).startsWith("HTTP/1.1 413");
    }
  }

  @Test
  void aStoppingMemberEndsTheGatewaysWatchStreams() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      s.getOutputStream()
          .write(
              post("/v3/watch", "{\"create_request\":{\"key\":\"" + b64("w") + "\"}}")
                  .getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      while (!seen.toString(StandardCharsets.UTF_8).contains("\"created\":true")) {
        int b = in.read();
        assertThat(b).isNotNegative();
        seen.write(b);
      }
      server.close();
      server = null;
      // the connection ends (EOF), rather than staying open after the member stopped
      while (in.read() >= 0) {
        // the rest of the stream, if any
      }
    }
  }
}

package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A refused admin POST is an error, not a body; a GET's body comes back whatever its status. */
class AdminClientTest {
  private HttpServer server;
  private URI endpoint;

  private static void answer(com.sun.net.httpserver.HttpExchange ex, int code, String body)
      throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.createContext(
        "/detach", ex -> answer(ex, 403, "{\"error\":\"admin changes ... are refused\"}\n"));
    server.createContext("/attach", ex -> answer(ex, 200, "{\"detached\":false}\n"));
    server.createContext("/health", ex -> answer(ex, 503, "{\"health\":\"false\"}\n"));
    server.start();
    endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aRefusedPostThrowsWithTheStatusAndTheReason() {
    assertThatThrownBy(() -> new AdminClient().call(endpoint, "POST", "/detach"))
        .isInstanceOf(IOException.class)
        .hasMessage(
            endpoint + ": POST /detach: HTTP 403: {\"error\":\"admin changes ... are refused\"}");
  }

  @Test
  void aDonePostAndAnyGetReturnTheBody() throws IOException {
    assertThat(new AdminClient().call(endpoint, "POST", "/attach"))
        .isEqualTo("{\"detached\":false}");
    assertThat(new AdminClient().call(endpoint, "GET", "/health"))
        .isEqualTo("{\"health\":\"false\"}");
  }
}

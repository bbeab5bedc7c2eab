package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint cannot be starved: with 1,000 idle connections and 50 half-sent requests open
 * on it, {@code /health} still answers within a second (on the JDK's server one unfinished request
 * froze it for as long as its client liked). Keep-alive and the other paths still work.
 */
class AdminServerIT {
  @TempDir Path dir;
  private RaftkvServer server;
  private URI admin;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = SingleMember.start(dir, "admin");
    admin = URI.create(server.adminUrl());
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private Socket open() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), admin.getPort());
    sockets.add(s);
    return s;
  }

  @Test
  void healthAnswersWithinASecondWhileAThousandIdleAndFiftyHalfSentRequestsAreOpen()
      throws Exception {
    for (int i = 0; i < 1000; i++) {
      open();
    }
    for (int i = 0; i < 50; i++) {
      open()
          .getOutputStream()
          .write("GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
    }
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    for (int i = 0; i < 5; i++) {
      long started = System.nanoTime();
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(admin.resolve("/health"))
                  .timeout(Duration.ofSeconds(1))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"health\":\"true\"");
      assertThat(ms).as("/health answered in %d ms", ms).isLessThan(1000);
    }
  }

  @Test
  void keepAliveAndThePaths() throws Exception {
    Socket s = open();
    String pipelined =
        java.util.stream.Stream.of(
                "GET /status",
                "GET /metrics",
                "GET /detach",
                "GET /nowhere",
                "POST /block?peers=zz")
            .map(l -> l + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            .collect(java.util.stream.Collectors.joining());
    s.getOutputStream().write(pipelined.getBytes(StandardCharsets.US_ASCII));
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    assertThat(HttpResponses.read(in)).startsWith("HTTP/1.1 200").contains("\"role\":\"leader\"");
    assertThat(HttpResponses.read(in))
        .startsWith("HTTP/1.1 200")
        .contains("etcd_server_is_leader 1.0");
    assertThat(HttpResponses.read(in)).startsWith("HTTP/1.1 405").contains("use POST");
    assertThat(HttpResponses.read(in)).startsWith("HTTP/1.1 404");
    assertThat(HttpResponses.read(in))
        .startsWith("HTTP/1.1 400")
        .contains("peers: not a hex member id: zz");
  }

  @Test
  void servesTheDashboardAndItsEventStreamWhichTheServerEndsWhenItCloses() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (String[] file :
        new String[][] {
          {"/", "text/html; charset=utf-8", "data-testid=\"leader\""},
          {"/dashboard.js", "text/javascript; charset=utf-8", "EventSource"},
          {"/dashboard.css", "text/css; charset=utf-8", "body"},
          {"/uPlot.iife.min.js", "text/javascript; charset=utf-8", "uPlot"},
          {"/uPlot.min.css", "text/css; charset=utf-8", ".uplot"}
        }) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(admin.resolve(file[0])).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(file[0]).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).as(file[0]).hasValue(file[1]);
      assertThat(r.body()).as(file[0]).contains(file[2]);
    }
    Socket s = open();
    s.setSoTimeout(10_000);
    s.getOutputStream()
        .write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    java.io.BufferedReader in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    List<String> head = new ArrayList<>();
    for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
      head.add(line.toLowerCase(java.util.Locale.ROOT));
    }
    assertThat(head)
        .contains(
            "http/1.1 200 ok",
            "content-type: text/event-stream; charset=utf-8",
            "transfer-encoding: chunked");
    // two snapshots (the first with the history, the next a period later), each naming the leader
    int snapshots = 0;
    long started = System.nanoTime();
    while (snapshots < 2) {
      String line = in.readLine();
      if (line.startsWith("data: ")) {
        var snapshot =
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring(6));
        assertThat(snapshot.path("leader").path("name").asText()).as(line).isEqualTo("n1");
        assertThat(snapshot.path("leader").path("id").asText()).as(line).isNotEmpty();
        snapshots++;
      }
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
    server.close();
    server = null;
    // the stream ends with the chunked body's last chunk, then the connection closes
    List<String> rest = new ArrayList<>();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      rest.add(line);
    }
    assertThat(rest).endsWith("0", "");
  }

  @Test
  void aChangeFromAWebPageOfAnotherOriginIsRefused() throws Exception {
    Socket s = open();
    s.setSoTimeout(10_000);
    String host = "127.0.0.1:" + admin.getPort();
    String requests =
        "POST /detach HTTP/1.1\r\nHost: "
            + host
            + "\r\nOrigin: http://evil.example\r\nContent-Length: 0\r\n\r\n"
            + "GET /status HTTP/1.1\r\nHost: "
            + host
            + "\r\n\r\n"
            + "POST /attach HTTP/1.1\r\nHost: "
            + host
            + "\r\nOrigin: http://"
            + host
            + "\r\nContent-Length: 0\r\n\r\n"
            // DNS rebinding: a page whose own name resolves to this address sends it as Host too
            + "POST /detach HTTP/1.1\r\nHost: evil.example:"
            + admin.getPort()
            + "\r\nOrigin: http://evil.example:"
            + admin.getPort()
            + "\r\nContent-Length: 0\r\n\r\n"
            + "GET /status HTTP/1.1\r\nHost: "
            + host
            + "\r\n\r\n";
    s.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    assertThat(HttpResponses.read(in))
        .startsWith("HTTP/1.1 403")
        .contains("refused from a web page of another origin (http://evil.example)");
    assertThat(HttpResponses.read(in)).startsWith("HTTP/1.1 200").contains("\"detached\":false");
    assertThat(HttpResponses.read(in)).startsWith("HTTP/1.1 200").contains("\"detached\":false");
    assertThat(HttpResponses.read(in)).startsWith("HTTP/1.1 403").contains("evil.example");
    assertThat(HttpResponses.read(in)).startsWith("HTTP/1.1 200").contains("\"detached\":false");
  }
}

package dev.raftkv.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.transport.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The admin HTTP endpoint (JDK's built-in server, no dependency): {@code GET /health} (200 when a
 * leader is known, 503 otherwise), {@code GET /status} (role, term, leader, commit and applied
 * index as JSON: the seed 002 harness's questions), {@code POST /detach} and {@code POST /attach}
 * (the seed 000 partition switch).
 */
final class AdminServer implements AutoCloseable {
  private final HttpServer http;
  private final String url;

  private AdminServer(HttpServer http) {
    this.http = http;
    InetSocketAddress a = http.getAddress();
    this.url = "http://" + a.getHostString() + ":" + a.getPort();
  }

  static AdminServer start(ServerConfig config, RaftRuntime runtime, Transport transport)
      throws IOException {
    InetSocketAddress at = ServerConfig.address(config.adminUrl());
    HttpServer http;
    try {
      http = HttpServer.create(at, 16);
    } catch (BindException e) {
      throw new BindException("admin address " + at + " is in use (--listen-admin-url)");
    }
    http.createContext(
        "/health",
        ex -> {
          Status s = runtime.status();
          boolean ok = s.leader() != 0 && !transport.isDetached();
          reply(ex, ok ? 200 : 503, "{\"health\":\"" + ok + "\"}");
        });
    http.createContext(
        "/status",
        ex -> {
          Status s = runtime.status();
          reply(
              ex,
              200,
              "{\"name\":\""
                  + config.name()
                  + "\",\"id\":\""
                  + Long.toHexString(s.id())
                  + "\",\"role\":\""
                  + s.role().name().toLowerCase(Locale.ROOT)
                  + "\",\"term\":"
                  + s.term()
                  + ",\"leader\":\""
                  + (s.leader() == 0 ? "" : Long.toHexString(s.leader()))
                  + "\",\"commit\":"
                  + s.commit()
                  + ",\"applied\":"
                  + runtime.appliedIndex()
                  + ",\"detached\":"
                  + transport.isDetached()
                  + "}");
        });
    http.createContext(
        "/detach",
        ex -> {
          if (post(ex)) {
            transport.detach();
            reply(ex, 200, "{\"detached\":true}");
          }
        });
    http.createContext(
        "/attach",
        ex -> {
          if (post(ex)) {
            transport.attach();
            reply(ex, 200, "{\"detached\":false}");
          }
        });
    http.start();
    return new AdminServer(http);
  }

  private static boolean post(HttpExchange ex) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      reply(ex, 405, "{\"error\":\"use POST\"}");
      return false;
    }
    return true;
  }

  private static void reply(HttpExchange ex, int code, String json) throws IOException {
    byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  String url() {
    return url;
  }

  @Override
  public void close() {
    http.stop(0);
  }
}

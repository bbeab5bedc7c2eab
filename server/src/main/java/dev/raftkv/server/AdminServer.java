package dev.raftkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.transport.TcpTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The admin HTTP endpoint (JDK's built-in server, no dependency): {@code GET /health} (200 when a
 * leader is known, 503 otherwise), {@code GET /status} (role, term, leader, commit and applied
 * index, whether detached and the blocked peers as JSON: the seed 002 harness's questions), {@code
 * POST /detach} and {@code POST /attach} (the seed 000 partition switch), {@code POST
 * /block?peers=ID,ID} and {@code POST /unblock[?peers=ID,ID]} (per-peer block lists, see {@link
 * TcpTransport#setBlocked}; ids in hex as {@code /status} prints them; {@code /unblock} without
 * peers clears the list). Both answer {@code {"blocked":[...]}} with the list after the change, or
 * 400 on a malformed id. Once auth is enabled the POSTs need the root user's token in the {@code
 * Authorization} header ({@link Authorizer#requireRoot}).
 */
final class AdminServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer http;
  private final String url;

  private AdminServer(HttpServer http) {
    this.http = http;
    InetSocketAddress a = http.getAddress();
    this.url = "http://" + a.getHostString() + ":" + a.getPort();
  }

  static AdminServer start(
      ServerConfig config, RaftRuntime runtime, TcpTransport transport, Authorizer auth)
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
          reply(ex, ok ? 200 : 503, JSON.createObjectNode().put("health", String.valueOf(ok)));
        });
    http.createContext(
        "/status",
        ex -> {
          Status s = runtime.status();
          ObjectNode body =
              JSON.createObjectNode()
                  .put("name", config.name())
                  .put("id", Long.toHexString(s.id()))
                  .put("role", s.role().name().toLowerCase(Locale.ROOT))
                  .put("term", s.term())
                  .put("leader", s.leader() == 0 ? "" : Long.toHexString(s.leader()))
                  .put("commit", s.commit())
                  .put("applied", runtime.appliedIndex())
                  .put("detached", transport.isDetached());
          body.set("blocked", blocked(transport));
          reply(ex, 200, body);
        });
    http.createContext(
        "/block",
        ex -> {
          if (post(ex, auth)) {
            Set<Long> peers = peers(ex);
            if (peers != null) {
              Set<Long> now = new HashSet<>(transport.blocked());
              now.addAll(peers);
              transport.setBlocked(now);
              reply(ex, 200, blockedReply(transport));
            }
          }
        });
    http.createContext(
        "/unblock",
        ex -> {
          if (post(ex, auth)) {
            Set<Long> peers = peers(ex);
            if (peers != null) {
              Set<Long> now = new HashSet<>(transport.blocked());
              if (peers.isEmpty()) {
                now.clear();
              } else {
                now.removeAll(peers);
              }
              transport.setBlocked(now);
              reply(ex, 200, blockedReply(transport));
            }
          }
        });
    http.createContext(
        "/detach",
        ex -> {
          if (post(ex, auth)) {
            transport.detach();
            reply(ex, 200, JSON.createObjectNode().put("detached", true));
          }
        });
    http.createContext(
        "/attach",
        ex -> {
          if (post(ex, auth)) {
            transport.attach();
            reply(ex, 200, JSON.createObjectNode().put("detached", false));
          }
        });
    http.start();
    return new AdminServer(http);
  }

  /** The blocked peers as a JSON array of hex id strings, ascending. */
  static ArrayNode blocked(TcpTransport transport) {
    ArrayNode out = JSON.createArrayNode();
    transport.blocked().stream().sorted().forEach(id -> out.add(Long.toHexString(id)));
    return out;
  }

  private static ObjectNode blockedReply(TcpTransport transport) {
    ObjectNode body = JSON.createObjectNode();
    body.set("blocked", blocked(transport));
    return body;
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  /**
   * The {@code peers} query parameter as member ids (hex, comma-separated); empty when absent; null
   * after answering 400 when an id is malformed.
   */
  private static Set<Long> peers(HttpExchange ex) throws IOException {
    Set<Long> out = new HashSet<>();
    String query = ex.getRequestURI().getRawQuery();
    if (query == null) {
      return out;
    }
    for (String param : query.split("&")) {
      if (!param.startsWith("peers=")) {
        continue;
      }
      for (String id : param.substring("peers=".length()).split("(,|%2C|%2c)")) {
        if (id.isBlank()) {
          continue;
        }
        try {
          out.add(Long.parseUnsignedLong(id.strip(), 16));
        } catch (NumberFormatException e) {
          reply(ex, 400, error("peers: not a hex member id: " + id.strip()));
          return null;
        }
      }
    }
    return out;
  }

  /**
   * Whether {@code ex} is a POST its sender may make; else answers it (405; 401 without valid
   * credentials, 403 without the root role, once auth is enabled: the token goes in the {@code
   * Authorization} header) and returns false.
   */
  private static boolean post(HttpExchange ex, Authorizer auth) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      reply(ex, 405, error("use POST"));
      return false;
    }
    try {
      auth.requireRoot(ex.getRequestHeaders().getFirst("Authorization"), null);
    } catch (io.grpc.StatusRuntimeException e) {
      int code = e.getStatus().getCode() == io.grpc.Status.Code.PERMISSION_DENIED ? 403 : 401;
      reply(ex, code, error(e.getStatus().getDescription()));
      return false;
    }
    return true;
  }

  private static void reply(HttpExchange ex, int code, JsonNode json) throws IOException {
    byte[] body = (JSON.writeValueAsString(json) + "\n").getBytes(StandardCharsets.UTF_8);
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

package dev.raftkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.server.metrics.ServerMetrics;
import dev.raftkv.server.tls.ClientCertificates;
import dev.raftkv.server.tls.ServerTls;
import dev.raftkv.transport.TcpTransport;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The admin HTTP endpoint (JDK's built-in server, no dependency): {@code GET /health} (200 when a
 * leader is known and no alarm is raised, as etcd's; 503 otherwise), {@code GET /metrics} (the
 * member's Prometheus metrics, see {@link ServerMetrics}), {@code GET /status} (role, term, leader,
 * commit and applied index, whether detached and the blocked peers as JSON: the seed 002 harness's
 * questions), {@code POST /detach} and {@code POST /attach} (the seed 000 partition switch), {@code
 * POST /block?peers=ID,ID} and {@code POST /unblock[?peers=ID,ID]} (per-peer block lists, see
 * {@link TcpTransport#setBlocked}; ids in hex as {@code /status} prints them; {@code /unblock}
 * without peers clears the list). Both answer {@code {"blocked":[...]}} with the list after the
 * change, or 400 on a malformed id.
 *
 * <p>It listens on {@link ServerConfig#adminUrl()} (loopback by default, see {@code raftkv server
 * --listen-admin-urls}); an {@code https://} URL is served with the client side's certificate (the
 * JDK's HTTPS server), asking for a client certificate when a CA is trusted but not requiring one,
 * so {@code /health} and {@code /status} stay open. The POSTs obey {@link AdminAccess}: the root
 * user's token in the {@code Authorization} header (or a client certificate naming root) once auth
 * is enabled; a caller on loopback or with a verified client certificate while it is not.
 */
final class AdminServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer http;
  private final String url;

  private AdminServer(HttpServer http) {
    this.http = http;
    InetSocketAddress a = http.getAddress();
    this.url =
        (http instanceof HttpsServer ? "https" : "http")
            + "://"
            + a.getHostString()
            + ":"
            + a.getPort();
  }

  /**
   * Starts the endpoint on {@code config}'s admin URL.
   *
   * @param tls the client side's TLS material when the admin URL is {@code https://}, else null
   * @param access who may make the changes
   * @param alarmed whether an alarm is raised (etcd's health is false then)
   * @param metrics what {@code /metrics} serves
   */
  static AdminServer start(
      ServerConfig config,
      RaftRuntime runtime,
      TcpTransport transport,
      ServerTls tls,
      AdminAccess access,
      java.util.function.BooleanSupplier alarmed,
      ServerMetrics metrics)
      throws IOException {
    InetSocketAddress at = ServerConfig.address(config.adminUrl());
    HttpServer http;
    try {
      if (tls == null) {
        http = HttpServer.create(at, 16);
      } else {
        HttpsServer https = HttpsServer.create(at, 16);
        SSLContext context = tls.jdkServer();
        https.setHttpsConfigurator(
            new HttpsConfigurator(context) {
              @Override
              public void configure(HttpsParameters params) {
                SSLParameters p = context.getDefaultSSLParameters();
                tls.configure(p);
                params.setSSLParameters(p);
              }
            });
        http = https;
      }
    } catch (BindException e) {
      throw new BindException("admin address " + at + " is in use (--listen-admin-urls)");
    }
    http.createContext(
        "/health",
        ex -> {
          Status s = runtime.status();
          boolean ok = s.leader() != 0 && !transport.isDetached() && !alarmed.getAsBoolean();
          reply(ex, ok ? 200 : 503, JSON.createObjectNode().put("health", String.valueOf(ok)));
        });
    http.createContext(
        "/metrics",
        ex -> {
          ex.getResponseHeaders().set("Content-Type", ServerMetrics.CONTENT_TYPE);
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            metrics.writeTo(out);
          }
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
          if (post(ex, access)) {
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
          if (post(ex, access)) {
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
          if (post(ex, access)) {
            transport.detach();
            reply(ex, 200, JSON.createObjectNode().put("detached", true));
          }
        });
    http.createContext(
        "/attach",
        ex -> {
          if (post(ex, access)) {
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
   * Whether {@code ex} is a POST its sender may make ({@link AdminAccess}); else answers it (405;
   * 401 without valid credentials and 403 without the root role once auth is enabled; 403 from
   * another host while it is not) and returns false.
   */
  private static boolean post(HttpExchange ex, AdminAccess access) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      reply(ex, 405, error("use POST"));
      return false;
    }
    Optional<X509Certificate> certificate =
        ex instanceof HttpsExchange https && https.getSSLSession() != null
            ? ClientCertificates.certificate(https.getSSLSession())
            : Optional.empty();
    try {
      access.check(
          ex.getRemoteAddress(),
          ex.getRequestHeaders().getFirst("Authorization"),
          certificate.flatMap(ClientCertificates::commonName).orElse(null),
          certificate.isPresent());
    } catch (StatusRuntimeException e) {
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

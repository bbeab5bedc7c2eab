package dev.raftkv.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Talks to members' admin HTTP endpoints (host:port, http://host:port or https://host:port); 2 s
 * connect, 5 s request timeouts.
 */
public final class AdminClient {
  private final HttpClient http;

  /** A client for {@code http://} endpoints, and {@code https://} ones the JVM trusts. */
  public AdminClient() {
    this(null);
  }

  /** A client whose {@code https://} connections use {@code tls} (null: the JVM's default). */
  public AdminClient(SSLContext tls) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = b.build();
  }

  public static List<URI> endpoints(String list) {
    List<URI> out = new ArrayList<>();
    for (String e : list.split(",")) {
      String t = e.trim();
      if (!t.isEmpty()) {
        out.add(URI.create(t.contains("://") ? t : "http://" + t));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no endpoints given");
    }
    return out;
  }

  /**
   * GETs or POSTs {@code path}; returns the body (of a GET whatever its status: {@code /health}
   * answers 503 with one), or throws naming the endpoint: a POST that is not answered 2xx throws
   * with the status and the body (the member's reason, e.g. an admin change it refused), so that a
   * refused change is never taken for a done one.
   */
  public String call(URI endpoint, String method, String path) throws IOException {
    boolean post = "POST".equals(method);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofSeconds(5));
    b = post ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IOException e) {
      String why =
          e.getMessage() != null
              ? e.getMessage()
              : "cannot connect (" + e.getClass().getSimpleName() + ")";
      throw new IOException(endpoint + ": " + why, e);
    }
    if (post && r.statusCode() / 100 != 2) {
      throw new IOException(
          endpoint + ": POST " + path + ": HTTP " + r.statusCode() + ": " + r.body().strip());
    }
    return r.body().strip();
  }
}

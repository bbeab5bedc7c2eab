package dev.raftkv.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release tarball as a user gets it: unpacked in an empty folder, with nothing but a Java
 * runtime, {@code bin/raftkv --version} names the version, commit and etcd API; a one-member server
 * starts from it; a put and a get through its own client work; its admin URL serves the dashboard
 * and uPlot; the files the README promises are there.
 */
class DistIT {
  @TempDir Path dir;

  private static Path tarball() throws IOException {
    try (var files = Files.list(Path.of("."))) {
      return files
          .filter(p -> p.getFileName().toString().matches("raftkv-.*\\.tar\\.gz"))
          .findFirst()
          .orElseThrow(
              () -> new AssertionError("no dist/raftkv-*.tar.gz: ./mvnw package makes it"));
    }
  }

  private Result run(List<String> command, long seconds) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("RAFTKV_JAVA_OPTS");
    Process p = pb.start();
    boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(done ? p.exitValue() : -1, out);
  }

  private record Result(int exit, String out) {}

  @Test
  void theTarballRunsFromAnyFolder() throws Exception {
    Result untar = run(List.of("tar", "xzf", tarball().toAbsolutePath().toString()), 60);
    assertThat(untar.exit()).as(untar.out()).isZero();
    Path home;
    try (var files = Files.list(dir)) {
      home = files.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    assertThat(home.getFileName().toString()).startsWith("raftkv-");
    for (String f :
        List.of(
            "bin/raftkv",
            "README.md",
            "docs/server.md",
            "conf/raftkv.env",
            "systemd/raftkv.service")) {
      assertThat(home.resolve(f)).as(f).exists();
    }
    assertThat(Files.isExecutable(home.resolve("bin/raftkv"))).isTrue();
    try (var jars = Files.list(home.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString()).toList())
          .anyMatch(n -> n.startsWith("cli-"))
          .anyMatch(n -> n.startsWith("server-"))
          .anyMatch(n -> n.startsWith("logback-classic"));
    }
    String raftkv = home.resolve("bin/raftkv").toString();

    Result version = run(List.of(raftkv, "--version"), 60);
    assertThat(version.exit()).as(version.out()).isZero();
    assertThat(version.out())
        .contains("raftkv Version: 0.1.0-SNAPSHOT")
        .containsPattern("Git SHA: [0-9a-f]{7,}|Git SHA: unknown")
        .containsPattern("etcd API Version: 3\\.[0-9]+");

    int client = LoopbackPorts.allocate();
    int peer = LoopbackPorts.allocate();
    int admin = LoopbackPorts.allocate();
    List<String> server = new ArrayList<>(List.of(raftkv, "server", "--name", "d1"));
    server.addAll(
        List.of(
            "--data-dir", dir.resolve("d1").toString(),
            "--listen-client-urls", "http://127.0.0.1:" + client,
            "--listen-peer-urls", "http://127.0.0.1:" + peer,
            "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
            "--initial-cluster", "d1=http://127.0.0.1:" + peer,
            "--listen-admin-urls", "http://127.0.0.1:" + admin));
    Process member =
        new ProcessBuilder(server)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("d1.log").toFile())
            .start();
    try {
      String endpoint = "127.0.0.1:" + client;
      Result put = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        put = run(List.of(raftkv, "put", "k", "from-the-tarball", "--endpoints", endpoint), 30);
        if (put.exit() == 0) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(put.exit()).as(put.out() + Files.readString(dir.resolve("d1.log"))).isZero();
      Result get = run(List.of(raftkv, "get", "k", "--endpoints", endpoint), 30);
      assertThat(get.out()).contains("from-the-tarball");
      // the dashboard's page and its charting library come from lib/ (the uPlot WebJar)
      HttpClient http = HttpClient.newHttpClient();
      for (String path : List.of("/", "/uPlot.iife.min.js")) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s on the admin URL", path).isEqualTo(200);
      }
    } finally {
      member.destroy();
      member.waitFor(20, TimeUnit.SECONDS);
    }
  }
}

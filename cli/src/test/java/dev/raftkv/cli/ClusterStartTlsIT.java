package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.testkit.LoopbackPorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftkv cluster start --tls}: three real server processes with client and peer TLS and
 * client-cert-auth; real etcdctl and {@code raftkv get} work with the flags it prints, and etcdctl
 * without a client certificate is refused.
 */
class ClusterStartTlsIT {
  @TempDir Path dir;
  private boolean started;

  /** Runs a raftkv command in this JVM; returns exit code and what it printed. */
  private static String[] raftkv(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new String[] {String.valueOf(code), buf.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(old);
    }
  }

  private static String[] etcdctl(List<String> args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("etcdctl", "--command-timeout=5s", "--dial-timeout=3s"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean done = p.waitFor(30, TimeUnit.SECONDS);
    return new String[] {done ? String.valueOf(p.exitValue()) : "timeout", out};
  }

  @AfterEach
  void stop() {
    if (started) {
      raftkv("cluster", "stop", "--data-dir", dir.toString());
    }
  }

  @Test
  void aTlsClusterServesEtcdctlAndRaftkvWithTheFlagsItPrints() throws Exception {
    int base = LoopbackPorts.allocateBase(32);
    String[] start =
        raftkv("cluster", "start", "--tls", "--data-dir", dir.toString(), "--base-port", "" + base);
    started = true;
    assertThat(start[0]).as(start[1]).isEqualTo("0");
    assertThat(start[1]).contains("(TLS)").contains("etcdctl --cacert ");
    Path tls = dir.resolve("tls");
    String endpoints = "https://127.0.0.1:" + (base + 10) + ",https://127.0.0.1:" + (base + 20);
    List<String> flags =
        List.of(
            "--cacert", tls.resolve("ca.crt").toString(),
            "--cert", tls.resolve("client.crt").toString(),
            "--key", tls.resolve("client.key").toString(),
            "--endpoints", endpoints);
    List<String> put = new ArrayList<>(flags);
    put.addAll(List.of("put", "tls-key", "tls-value"));
    String[] r = etcdctl(put);
    assertThat(r[0]).as(r[1]).isEqualTo("0");

    List<String> get = new ArrayList<>(List.of("get", "tls-key"));
    get.addAll(flags);
    String[] g = raftkv(get.toArray(new String[0]));
    assertThat(g[0]).as(g[1]).isEqualTo("0");
    assertThat(g[1]).contains("tls-value");

    String[] refused =
        etcdctl(
            List.of(
                "--cacert",
                tls.resolve("ca.crt").toString(),
                "--endpoints",
                endpoints,
                "get",
                "tls-key"));
    assertThat(refused[0]).as(refused[1]).isNotEqualTo("0");
    assertThat(refused[1]).doesNotContain("tls-value");
  }
}

package dev.raftkv.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftkv cluster start|stop}: a local cluster of real server processes. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class},
    description = "Starts or stops a local cluster of server processes on 127.0.0.1.")
final class ClusterCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  static final String PIDS = "cluster.pids";

  /**
   * A member's JVM defaults, as {@code bin/raftkv server} sets them: a 2 GiB heap cap (G1 is added
   * unless RAFTKV_JAVA_OPTS names a collector; see docs/performance.md, "Stop 21").
   */
  static final List<String> SERVER_JVM_DEFAULTS = List.of("-Xmx2g");

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing start or stop");
  }

  /**
   * The JVM options in {@code value} (RAFTKV_JAVA_OPTS), split on whitespace as bin/raftkv's shell
   * splits them; none for null or blank.
   */
  static List<String> javaOptions(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return List.of(value.trim().split("\\s+"));
  }

  /** Member i (from 1) listens for clients on base+10i, peers on +1, admin on +2. */
  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description =
          "Starts --nodes server processes with data under --data-dir, waits until they agree"
              + " on a leader, and prints the endpoints. Logs go to <data-dir>/<name>.log. The"
              + " servers' JVMs get the options in the environment variable RAFTKV_JAVA_OPTS, as"
              + " bin/raftkv's own JVM does (e.g. RAFTKV_JAVA_OPTS='-Xmx512m').")
  static final class Start implements Callable<Integer> {
    @Option(
        names = "--nodes",
        defaultValue = "3",
        description = "3 or 5 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
        names = "--data-dir",
        defaultValue = "raftkv-data",
        description = "Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(
        names = "--base-port",
        defaultValue = "23790",
        description = "Default: ${DEFAULT-VALUE}.")
    int basePort;

    @Option(
        names = "--tls",
        description =
            "Client and peer TLS with client-cert-auth on both: makes a CA, a certificate per"
                + " member and a client certificate (CN root) in <data-dir>/tls (kept for later"
                + " starts), and prints the etcdctl flags to use.")
    boolean tls;

    @Override
    public Integer call() throws IOException, InterruptedException {
      if (nodes != 3 && nodes != 5) {
        System.err.println("raftkv cluster start: --nodes must be 3 or 5, got " + nodes);
        return 2;
      }
      if (Files.exists(dataDir.resolve(PIDS))) {
        System.err.println(
            "raftkv cluster start: a cluster seems to run already ("
                + dataDir.resolve(PIDS)
                + "); run 'raftkv cluster stop' first");
        return 1;
      }
      Files.createDirectories(dataDir);
      ClusterCertificates certs =
          tls ? ClusterCertificates.make(dataDir.resolve("tls"), nodes) : null;
      String scheme = tls ? "https" : "http";
      StringBuilder initial = new StringBuilder();
      for (int i = 1; i <= nodes; i++) {
        initial
            .append(i == 1 ? "" : ",")
            .append("n")
            .append(i)
            .append("=")
            .append(scheme)
            .append("://127.0.0.1:")
            .append(basePort + 10 * i + 1);
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> pids = new ArrayList<>();
      List<String> admins = new ArrayList<>();
      List<String> clients = new ArrayList<>();
      for (int i = 1; i <= nodes; i++) {
        String name = "n" + i;
        int port = basePort + 10 * i;
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-XX:+ExitOnOutOfMemoryError"); // fail-stop, as bin/raftkv; overridable below
        command.addAll(SERVER_JVM_DEFAULTS); // as bin/raftkv server's
        List<String> options = javaOptions(System.getenv("RAFTKV_JAVA_OPTS"));
        if (options.stream().noneMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"))) {
          command.add("-XX:+UseG1GC"); // unless RAFTKV_JAVA_OPTS names a collector
        }
        command.addAll(options);
        command.addAll(
            List.of(
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "server",
                "--name",
                name,
                "--data-dir",
                dataDir.resolve(name).toString(),
                "--listen-client-urls",
                scheme + "://127.0.0.1:" + port,
                "--listen-peer-urls",
                scheme + "://127.0.0.1:" + (port + 1),
                "--listen-admin-urls",
                scheme + "://127.0.0.1:" + (port + 2),
                "--initial-cluster",
                initial.toString()));
        if (certs != null) {
          command.addAll(certs.serverFlags(name));
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        pb.redirectOutput(dataDir.resolve(name + ".log").toFile());
        Process p = pb.start();
        pids.add(String.valueOf(p.pid()));
        admins.add(scheme + "://127.0.0.1:" + (port + 2));
        clients.add(tls ? "https://127.0.0.1:" + port : "127.0.0.1:" + port);
      }
      Files.write(dataDir.resolve(PIDS), pids);
      String adminList = String.join(",", admins);
      AdminClient client = new AdminClient(certs == null ? null : TlsOptions.trusting(certs.ca()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        int healthy = 0;
        for (String a : admins) {
          try {
            if (client.call(URI.create(a), "GET", "/health").contains("true")) {
              healthy++;
            }
          } catch (IOException notYet) {
            // still starting
          }
        }
        if (healthy == nodes) {
          String eps = String.join(",", clients);
          String flags = certs == null ? "" : certs.clientFlags() + " ";
          System.out.println(
              "raftkv cluster of " + nodes + " members is up" + (tls ? " (TLS)" : ""));
          System.out.println("client endpoints: " + eps);
          System.out.println("admin (HTTP" + (tls ? "S" : "") + "):    " + adminList);
          System.out.println(
              "try:              etcdctl " + flags + "--endpoints " + eps + " put foo bar");
          System.out.println(
              "                  bin/raftkv get foo " + flags + "--endpoints " + eps);
          System.out.println("                  bin/raftkv status " + flags + "--endpoints " + eps);
          return 0;
        }
        Thread.sleep(200);
      }
      System.err.println(
          "raftkv cluster start: members did not agree on a leader within 30 s; see "
              + dataDir
              + "/*.log");
      return 1;
    }
  }

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stops the processes 'cluster start' recorded (the data stays).")
  static final class Stop implements Callable<Integer> {
    @Option(
        names = "--data-dir",
        defaultValue = "raftkv-data",
        description = "Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Override
    public Integer call() throws IOException, InterruptedException {
      Path pids = dataDir.resolve(PIDS);
      if (!Files.exists(pids)) {
        System.err.println("raftkv cluster stop: no cluster recorded in " + pids);
        return 1;
      }
      for (String line : Files.readAllLines(pids)) {
        long pid = Long.parseLong(line.trim());
        var handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
          handle.get().destroy();
          try {
            handle.get().onExit().get(10, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException
              | java.util.concurrent.TimeoutException e) {
            handle.get().destroyForcibly();
          }
        }
      }
      Files.delete(pids);
      System.out.println("raftkv cluster stopped");
      return 0;
    }
  }
}

package dev.raftkv.cli.chaos;

import dev.raftkv.cli.AdminClient;
import dev.raftkv.cli.Main;
import dev.raftkv.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster of real {@code raftkv server} processes on loopback, for tests and {@code raftkv
 * chaos}: starts, kills ({@code SIGKILL}), pauses ({@code SIGSTOP}/{@code SIGCONT}) and restarts
 * members, and asks their admin HTTP endpoints for status.
 *
 * <p>Members are numbered 1 to {@link #size()} and named by their number, so a member's Raft id is
 * its number (see {@code ServerConfig.memberId}). Ports come from {@link LoopbackPorts} (below the
 * ephemeral range, so a restarted member finds its ports free). Member {@code i} keeps its data in
 * {@code dir/member-i} and its log in {@code dir/member-i.log} (appended to across restarts). The
 * servers run the same class path as this JVM.
 *
 * <p>{@link #close()} kills every process; a shutdown hook does the same if this JVM exits first.
 * Not thread-safe for concurrent start/kill of the same member; status calls are.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":\"?([^,\"}\\]]*)\"?");

  private final Path dir;
  private final int size;
  private final int heartbeatMs;
  private final int electionMs;
  private final int[][] ports; // [member][client, peer, admin]
  private final String initialCluster;
  private final Map<Integer, Process> procs = new HashMap<>();
  private final long[] ids; // Raft ids; a member added back gets a new one
  private final boolean[] joined; // added back: starts with --initial-cluster-state existing
  private final AdminClient admin = new AdminClient();
  private final Thread reaper = new Thread(this::killAll, "local-cluster-reaper");

  /**
   * Picks ports for {@code size} members; starts nothing.
   *
   * @param heartbeatMs the servers' {@code --heartbeat-interval}
   * @param electionMs the servers' {@code --election-timeout}
   */
  public LocalCluster(Path dir, int size, int heartbeatMs, int electionMs) {
    this.dir = dir;
    this.size = size;
    this.heartbeatMs = heartbeatMs;
    this.electionMs = electionMs;
    this.ports = new int[size + 1][];
    this.ids = new long[size + 1];
    this.joined = new boolean[size + 1];
    for (int i = 1; i <= size; i++) {
      ids[i] = i;
    }
    StringBuilder initial = new StringBuilder();
    for (int i = 1; i <= size; i++) {
      ports[i] = LoopbackPorts.allocate(3);
      initial.append(i == 1 ? "" : ",").append(i).append("=http://127.0.0.1:").append(ports[i][1]);
    }
    this.initialCluster = initial.toString();
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** Number of members. */
  public int size() {
    return size;
  }

  /** Members 1..size. */
  public List<Integer> members() {
    List<Integer> l = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      l.add(i);
    }
    return l;
  }

  /** Member {@code i}'s Raft id: its number, or the id it was given when added back. */
  public synchronized long memberId(int i) {
    return ids[i];
  }

  /** Member {@code i}'s peer URL. */
  public String peerUrl(int i) {
    return "http://127.0.0.1:" + ports[i][1];
  }

  /**
   * Records that member {@code i} was removed and added back as {@code newId}: its data dir is
   * deleted (a removed member cannot come back on its old data) and from now on it starts as a
   * member joining an existing cluster.
   *
   * @throws IllegalStateException if it is running
   */
  public synchronized void addedBack(int i, long newId) throws IOException {
    if (isRunning(i)) {
      throw new IllegalStateException("member " + i + " is running");
    }
    deleteTree(dir.resolve("member-" + i));
    ids[i] = newId;
    joined[i] = true;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * Waits up to {@code millis} for member {@code i}'s process to exit by itself (a removed member
   * stops itself); true if it did.
   */
  public boolean awaitExit(int i, long millis) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = procs.get(i);
    }
    if (p == null || p.waitFor(millis, TimeUnit.MILLISECONDS)) {
      synchronized (this) {
        procs.remove(i, p);
      }
      return true;
    }
    return false;
  }

  /**
   * Waits up to {@code millis} for member {@code i}'s process to exit by itself and returns its
   * exit code, or null if it is still running (or was never started).
   */
  public Integer awaitExitCode(int i, long millis) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = procs.get(i);
    }
    if (p == null || !p.waitFor(millis, TimeUnit.MILLISECONDS)) {
      return null;
    }
    synchronized (this) {
      procs.remove(i, p);
    }
    return p.exitValue();
  }

  /** Member {@code i}'s gRPC client address, {@code 127.0.0.1:port}. */
  public String clientTarget(int i) {
    return "127.0.0.1:" + ports[i][0];
  }

  /** Every member's client address, comma-separated (etcdctl's {@code --endpoints}). */
  public String clientEndpoints() {
    return String.join(",", members().stream().map(this::clientTarget).toList());
  }

  /** Member {@code i}'s admin HTTP base URL. */
  public URI adminUri(int i) {
    return URI.create("http://127.0.0.1:" + ports[i][2]);
  }

  /** Member {@code i}'s log file. */
  public Path logFile(int i) {
    return dir.resolve("member-" + i + ".log");
  }

  /** Starts every member. */
  public void startAll() throws IOException {
    for (int i = 1; i <= size; i++) {
      start(i);
    }
  }

  /**
   * Starts member {@code i} (again, after a kill: on the same data and ports).
   *
   * @throws IllegalStateException if it is running
   */
  public synchronized void start(int i) throws IOException {
    Process old = procs.get(i);
    if (old != null && old.isAlive()) {
      throw new IllegalStateException("member " + i + " is running");
    }
    Files.createDirectories(dir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Xmx256m",
            "-XX:+UseSerialGC",
            // Fail-stop on out of memory, leaving a heap dump beside the logs to say what filled
            // it.
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+HeapDumpOnOutOfMemoryError",
            "-XX:HeapDumpPath=" + dir,
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "server",
            "--name",
            String.valueOf(i),
            "--data-dir",
            dir.resolve("member-" + i).toString(),
            "--listen-client-urls",
            "http://" + clientTarget(i),
            "--listen-peer-urls",
            "http://127.0.0.1:" + ports[i][1],
            "--listen-admin-url",
            adminUri(i).toString(),
            "--initial-cluster",
            initialCluster,
            "--initial-cluster-state",
            joined[i] ? "existing" : "new",
            "--heartbeat-interval",
            String.valueOf(heartbeatMs),
            "--election-timeout",
            String.valueOf(electionMs));
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(i).toFile()));
    procs.put(i, pb.start());
  }

  /** Whether member {@code i}'s process is alive (paused counts as alive). */
  public synchronized boolean isRunning(int i) {
    Process p = procs.get(i);
    return p != null && p.isAlive();
  }

  /** Member {@code i}'s process id, or -1 when it is not running. */
  public synchronized long pid(int i) {
    Process p = procs.get(i);
    return p != null && p.isAlive() ? p.pid() : -1;
  }

  /** Kills member {@code i} with SIGKILL (no shutdown of any kind) and waits until it is gone. */
  public void kill(int i) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = procs.remove(i);
    }
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Stops member {@code i} with SIGTERM (a clean shutdown) and waits up to 10 s for it. */
  public void stop(int i) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = procs.remove(i);
    }
    if (p != null) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Sends SIGSTOP to member {@code i}: it stops dead, its sockets stay open. */
  public void pause(int i) throws IOException, InterruptedException {
    signal(i, "-STOP");
  }

  /** Sends SIGCONT to member {@code i}. */
  public void resume(int i) throws IOException, InterruptedException {
    signal(i, "-CONT");
  }

  private void signal(int i, String signal) throws IOException, InterruptedException {
    long pid = pid(i);
    if (pid < 0) {
      return;
    }
    Process kill = new ProcessBuilder("kill", signal, String.valueOf(pid)).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + signal + " " + pid + " failed");
    }
  }

  /**
   * Member {@code i}'s {@code /status} as a flat map of JSON fields (strings unquoted; the {@code
   * blocked} list is left out), or an empty map if it does not answer.
   */
  public Map<String, String> status(int i) {
    try {
      String body = admin.call(adminUri(i), "GET", "/status");
      Map<String, String> out = new HashMap<>();
      Matcher m = FIELD.matcher(body.replaceAll("\"blocked\":\\[[^\\]]*\\]", ""));
      while (m.find()) {
        out.put(m.group(1), m.group(2));
      }
      return out;
    } catch (IOException e) {
      return Map.of();
    }
  }

  /** POSTs {@code path} (with its query) to member {@code i}'s admin endpoint; returns the body. */
  public String post(int i, String path) throws IOException {
    return admin.call(adminUri(i), "POST", path);
  }

  /**
   * The member among {@code members} that says it leads and that a majority of the cluster's
   * members (among those listed) follow, or 0.
   */
  public int leaderAmong(List<Integer> members) {
    for (int i : members) {
      Map<String, String> s = status(i);
      if ("leader".equals(s.get("role"))) {
        String id = s.get("id");
        long following = members.stream().filter(j -> id.equals(status(j).get("leader"))).count();
        if (following > size / 2) {
          return i;
        }
      }
    }
    return 0;
  }

  /** Any member that says it is the leader (without asking the others), or 0. */
  public int claimedLeader() {
    for (int i = 1; i <= size; i++) {
      if (isRunning(i) && "leader".equals(status(i).get("role"))) {
        return i;
      }
    }
    return 0;
  }

  /** Polls {@code condition} every 20 ms; false if {@code millis} pass first. */
  public static boolean await(long millis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** Kills every member (SIGKILL also ends a paused process). */
  @Override
  public void close() {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private synchronized void killAll() {
    for (Process p : procs.values()) {
      p.destroyForcibly();
    }
    for (Process p : procs.values()) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    procs.clear();
  }
}

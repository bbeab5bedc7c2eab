package dev.raftkv.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.PutResponse;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftkv bench put|get|mix|fill}: a load generator for any etcd v3 endpoint (raftkv or
 * etcd), so both can be measured the same way on the same machine. Asynchronous gRPC calls: a
 * "client" is a chain of requests (closed loop) or a slot for one request in flight (open loop),
 * not a thread, so 512 clients cost 512 outstanding calls, not 512 threads.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Sends load to etcd v3 endpoints (raftkv or etcd: the same client drives both) and prints"
          + " throughput, latency percentiles (HdrHistogram, 3 significant digits) and this"
          + " client's CPU time per request during the measured phase.",
      "WORKLOAD: put (puts of --value-size bytes to random keys), get (linearizable ranges of"
          + " one random key), mix (--read-ratio linearizable gets, the rest puts), fill (puts"
          + " every key of --key-space once, in order, so that gets find values of --value-size"
          + " bytes; get and mix do not fill on their own). Keys are bench-0 .. bench-(K-1),"
          + " drawn uniformly from seeded generators (each run draws the same sequences).",
      "Closed loop (the default): --clients clients each send a request, wait for its answer,"
          + " and send the next; latency is from send to answer. Open loop (--rate N): requests"
          + " are due at a fixed N per second in total, whatever the answers do, with at most"
          + " --clients in flight; a request that has to wait for a free client still counts"
          + " from the moment it was due (no coordinated omission).",
      "First sends --warmup requests of the same kind the same way, untimed (a JVM, this"
          + " client's too, runs interpreted code until the JIT has compiled it). Only the"
          + " measured phase after it is timed, and CPU is counted over that phase alone."
          + " bin/raftkv runs this client with the C1 compiler only (-XX:TieredStopAtLevel=1):"
          + " in runs of seconds, C2 compiling was half of the client's CPU;"
          + " RAFTKV_JAVA_OPTS=-XX:TieredStopAtLevel=4 brings C2 back.",
      "Prints one line; --csv FILE appends the same figures as one CSV line (with a header"
          + " line first if FILE is new or empty). Failed requests (any gRPC error, or no"
          + " answer within --timeout) are counted, not timed, and not in the throughput;"
          + " stderr names their gRPC status codes.",
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:every request succeeded",
      "1:some requests failed (warm-up included; stderr says how), or a --cpu-pids process went"
          + " away",
      "2:bad usage"
    })
final class BenchCommand implements Callable<Integer> {
  static final int DEFAULT_REQUESTS = 20000;
  static final double DEFAULT_READ_RATIO = 0.9;

  @Parameters(index = "0", paramLabel = "WORKLOAD", description = "put, get, mix or fill.")
  String workload;

  @picocli.CommandLine.Mixin TlsOptions tls;

  @Option(
      names = "--endpoints",
      paramLabel = "HOST:PORT,...",
      defaultValue = "127.0.0.1:2379",
      description =
          "Client endpoints, host:port,... (https://host:port: over TLS); the --conns connections are spread over them in"
              + " turn. Give only the leader's to load the leader (default: ${DEFAULT-VALUE}).")
  String endpoints;

  @Option(
      names = "--clients",
      paramLabel = "N",
      defaultValue = "32",
      description =
          "Closed loop: concurrent clients. Open loop: the most requests in flight at once"
              + " (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--conns",
      paramLabel = "N",
      defaultValue = "4",
      description =
          "gRPC connections (HTTP/2, one TCP connection each); closed loop: client c uses"
              + " connection c mod conns, open loop: request i uses i mod conns (default:"
              + " ${DEFAULT-VALUE}).")
  int conns;

  @Option(
      names = "--requests",
      paramLabel = "N",
      description =
          "Measured requests (default: "
              + DEFAULT_REQUESTS
              + "). Not taken by fill, which sends one per key.")
  Integer requests;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Untimed requests sent the same way before the measured ones (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--key-space",
      paramLabel = "K",
      defaultValue = "10000",
      description = "Distinct keys (default: ${DEFAULT-VALUE}).")
  int keySpace;

  @Option(
      names = "--value-size",
      paramLabel = "BYTES",
      defaultValue = "256",
      description = "Bytes per value put (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(
      names = "--read-ratio",
      paramLabel = "R",
      description =
          "mix only: the share of requests that are linearizable gets, 0 to 1 (default: "
              + DEFAULT_READ_RATIO
              + ").")
  Double readRatio;

  @Option(
      names = "--rate",
      paramLabel = "N",
      description =
          "Open loop at N requests per second in total (warm-up too). Without it: closed loop.")
  Double rate;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description =
          "A request with no answer after this long is cancelled and fails (500ms, 10s, 1m;"
              + " default: ${DEFAULT-VALUE}). Checked by this client, not sent as a gRPC deadline,"
              + " so the servers arm no timer per request.")
  String timeout;

  @Option(
      names = "--csv",
      paramLabel = "FILE",
      description = "Also append the results to FILE as one CSV line (header first if new).")
  Path csv;

  @Option(
      names = "--cpu-pids",
      paramLabel = "PID",
      split = ",",
      description =
          "Linux: also report the CPU time (utime+stime from /proc/PID/stat, all threads) each"
              + " of these processes used during the measured phase, per request; e.g. the"
              + " servers' pids.")
  List<Long> cpuPids = new ArrayList<>();

  /** The reason the options cannot run, or null if they can. */
  String validate() {
    if (!List.of("put", "get", "mix", "fill").contains(workload)) {
      return "WORKLOAD must be put, get, mix or fill, got '" + workload + "'";
    }
    if (clients <= 0) {
      return "--clients must be positive, got " + clients;
    }
    if (conns <= 0) {
      return "--conns must be positive, got " + conns;
    }
    if (requests != null && workload.equals("fill")) {
      return "fill sends one put per key of --key-space; it takes no --requests";
    }
    if (requests != null && requests <= 0) {
      return "--requests must be positive, got " + requests;
    }
    if (warmup < 0) {
      return "--warmup must not be negative, got " + warmup;
    }
    if (keySpace <= 0) {
      return "--key-space must be positive, got " + keySpace;
    }
    if (valueSize < 0) {
      return "--value-size must not be negative, got " + valueSize;
    }
    if (readRatio != null && !workload.equals("mix")) {
      return "--read-ratio applies to mix only";
    }
    if (readRatio != null && !(readRatio >= 0 && readRatio <= 1)) {
      return "--read-ratio must be between 0 and 1, got " + readRatio;
    }
    if (rate != null && !(rate > 0 && rate < Double.POSITIVE_INFINITY)) {
      return "--rate must be a positive number of requests per second, got " + rate;
    }
    try {
      if (Durations.parse(timeout).isZero()) {
        return "--timeout must be positive";
      }
    } catch (IllegalArgumentException e) {
      return "--timeout " + e.getMessage();
    }
    if (targets(endpoints).isEmpty()) {
      return "--endpoints: no endpoint given";
    }
    for (long pid : cpuPids) {
      if (cpuTicks(pid) < 0) {
        return "--cpu-pids: cannot read /proc/" + pid + "/stat (no such process, or not Linux)";
      }
    }
    return null;
  }

  /** The endpoints in {@code list} as given (host:port or URLs). */
  static List<String> urls(String list) {
    List<String> out = new ArrayList<>();
    for (String e : list.split(",")) {
      if (!e.isBlank()) {
        out.add(e.trim());
      }
    }
    return out;
  }

  static List<String> targets(String list) {
    List<String> out = new ArrayList<>();
    for (String e : list.split(",")) {
      String t = e.trim().replaceFirst("^https?://", "");
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public Integer call() throws InterruptedException, IOException {
    String error = validate();
    if (error != null) {
      System.err.println("raftkv bench: " + error);
      return 2;
    }
    boolean fill = workload.equals("fill");
    int measured = fill ? keySpace : requests == null ? DEFAULT_REQUESTS : requests;
    double reads =
        switch (workload) {
          case "get" -> 1;
          case "mix" -> readRatio == null ? DEFAULT_READ_RATIO : readRatio;
          default -> 0;
        };
    long timeoutNanos = Durations.parse(timeout).toNanos();
    List<String> targets = urls(endpoints);
    ManagedChannel[] channels = new ManagedChannel[conns];
    for (int i = 0; i < conns; i++) {
      channels[i] =
          tls.channel(targets.get(i % targets.size())).directExecutor().disableRetry().build();
    }
    ByteString[] keys = new ByteString[keySpace];
    for (int i = 0; i < keySpace; i++) {
      keys[i] = ByteString.copyFromUtf8("bench-" + i);
    }
    Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    try (Load load =
        new Load(
            channels, keys, ByteString.copyFrom(new byte[valueSize]), reads, fill, timeoutNanos)) {
      long warmupFailed = warmup > 0 ? load.run(warmup, 1_000_003L, new Recorder(3)).failed() : 0;
      long clientCpu0 = processCpuNanos();
      long[] ticks0 = cpuTicks(cpuPids);
      Recorder recorder = new Recorder(3);
      long t0 = System.nanoTime();
      Phase phase = load.run(measured, 0, recorder);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long clientCpu1 = processCpuNanos();
      long[] ticks1 = cpuTicks(cpuPids);
      Histogram latency = recorder.getIntervalHistogram();
      long ok = latency.getTotalCount();
      double[] serverUs = new double[cpuPids.size()];
      boolean gone = false;
      long hz = cpuPids.isEmpty() ? 100 : clockTicksPerSecond();
      for (int i = 0; i < serverUs.length; i++) {
        gone |= ticks1[i] < 0;
        serverUs[i] =
            ticks1[i] < 0 || ok == 0 ? Double.NaN : (ticks1[i] - ticks0[i]) * 1e6 / hz / ok;
      }
      Report report =
          new Report(
              workload,
              String.join(",", targets),
              clients,
              conns,
              warmup,
              keySpace,
              valueSize,
              workload.equals("mix") ? reads : Double.NaN,
              rate == null ? 0 : rate,
              ok,
              phase.failed(),
              phase.reads(),
              seconds,
              latency,
              clientCpu0 < 0 || clientCpu1 < 0 ? -1 : clientCpu1 - clientCpu0,
              serverUs);
      System.out.println(report.human());
      if (!errors.isEmpty()) {
        System.err.println(
            "raftkv bench: "
                + (warmupFailed + phase.failed())
                + " requests failed ("
                + warmupFailed
                + " of them in the warm-up): "
                + errorSummary());
      }
      if (gone) {
        System.err.println("raftkv bench: a --cpu-pids process went away during the run");
      }
      if (csv != null) {
        boolean header = !Files.exists(csv) || Files.size(csv) == 0;
        Files.writeString(
            csv,
            (header ? Report.CSV_HEADER + "\n" : "") + report.csvRow(started) + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
      return warmupFailed == 0 && phase.failed() == 0 && !gone ? 0 : 1;
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      for (ManagedChannel ch : channels) {
        ch.awaitTermination(1, TimeUnit.SECONDS);
      }
    }
  }

  /** What one phase counted besides the latencies: failures, and how many requests were gets. */
  record Phase(long failed, long reads) {}

  /** A call in flight and when it was sent. */
  private record InFlight(ClientCall<?, ?> call, long sentAt) {}

  /**
   * Where one client keeps its call in flight, for the watchdog to find: {@code --timeout} is
   * enforced here rather than as a gRPC deadline, which would also send a grpc-timeout header and
   * make every server arm a timer per call.
   */
  private static final class Slot {
    volatile InFlight current;
  }

  /** Sends requests of one workload over the channels; one instance serves every phase. */
  private final class Load implements AutoCloseable {
    private final ManagedChannel[] channels;
    private final ByteString[] keys;
    private final ByteString value;
    private final double reads;
    private final boolean fill;
    private final Slot[] slots = new Slot[clients];
    private final ScheduledExecutorService watchdog;

    Load(
        ManagedChannel[] channels,
        ByteString[] keys,
        ByteString value,
        double reads,
        boolean fill,
        long timeoutNanos) {
      this.channels = channels;
      this.keys = keys;
      this.value = value;
      this.reads = reads;
      this.fill = fill;
      for (int i = 0; i < slots.length; i++) {
        slots[i] = new Slot();
      }
      watchdog =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "bench-timeout");
                t.setDaemon(true);
                return t;
              });
      long every =
          Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(timeoutNanos / 20, 1_000_000_000L));
      watchdog.scheduleWithFixedDelay(
          () -> {
            long now = System.nanoTime();
            for (Slot slot : slots) {
              InFlight f = slot.current;
              if (f != null && now - f.sentAt() > timeoutNanos) {
                f.call().cancel("no answer within --timeout", null);
              }
            }
          },
          every,
          every,
          TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
      watchdog.shutdownNow();
    }

    /** Sends {@code total} requests, records each success's latency; returns when all answered. */
    Phase run(int total, long seed, Recorder recorder) throws InterruptedException {
      AtomicLong failed = new AtomicLong();
      AtomicLong gets = new AtomicLong();
      if (rate == null) {
        closedLoop(total, seed, recorder, failed, gets);
      } else {
        openLoop(total, seed, recorder, failed, gets);
      }
      return new Phase(failed.get(), gets.get());
    }

    private void closedLoop(
        int total, long seed, Recorder recorder, AtomicLong failed, AtomicLong gets)
        throws InterruptedException {
      AtomicInteger next = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(clients);
      for (int c = 0; c < clients; c++) {
        ManagedChannel channel = channels[c % conns];
        Slot slot = slots[c];
        SplittableRandom random = new SplittableRandom(seed + c);
        Runnable[] chain = new Runnable[1];
        chain[0] =
            () -> {
              int i = next.getAndIncrement();
              if (i >= total) {
                slot.current = null;
                done.countDown();
                return;
              }
              long now = System.nanoTime();
              send(channel, slot, i, random, now, now, recorder, failed, gets, chain[0]);
            };
        chain[0].run();
      }
      done.await();
    }

    private void openLoop(
        int total, long seed, Recorder recorder, AtomicLong failed, AtomicLong gets)
        throws InterruptedException {
      BlockingQueue<Slot> free = new ArrayBlockingQueue<>(clients, false, List.of(slots));
      CountDownLatch answered = new CountDownLatch(total);
      SplittableRandom random = new SplittableRandom(seed);
      double periodNanos = 1e9 / rate;
      long start = System.nanoTime();
      for (int i = 0; i < total; i++) {
        long due = start + (long) (i * periodNanos);
        for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
          LockSupport.parkNanos(due - now);
        }
        Slot slot = free.take();
        Runnable release =
            () -> {
              slot.current = null;
              free.add(slot);
              answered.countDown();
            };
        send(
            channels[i % conns],
            slot,
            i,
            random,
            due,
            System.nanoTime(),
            recorder,
            failed,
            gets,
            release);
      }
      answered.await();
    }

    /**
     * Sends request {@code i} (its kind and key drawn from {@code random}) in {@code slot}, timed
     * from {@code from}; runs {@code then} once it is answered.
     */
    private void send(
        ManagedChannel channel,
        Slot slot,
        int i,
        SplittableRandom random,
        long from,
        long now,
        Recorder recorder,
        AtomicLong failed,
        AtomicLong gets,
        Runnable then) {
      boolean get = reads >= 1 || (reads > 0 && random.nextDouble() < reads);
      ByteString key = keys[fill ? i : random.nextInt(keys.length)];
      if (get) {
        gets.incrementAndGet();
        ClientCall<RangeRequest, RangeResponse> call =
            channel.newCall(KVGrpc.getRangeMethod(), CallOptions.DEFAULT);
        slot.current = new InFlight(call, now);
        ClientCalls.asyncUnaryCall(
            call,
            RangeRequest.newBuilder().setKey(key).build(),
            new Answer<RangeResponse>(from, recorder, failed, then));
      } else {
        ClientCall<PutRequest, PutResponse> call =
            channel.newCall(KVGrpc.getPutMethod(), CallOptions.DEFAULT);
        slot.current = new InFlight(call, now);
        ClientCalls.asyncUnaryCall(
            call,
            PutRequest.newBuilder().setKey(key).setValue(value).build(),
            new Answer<PutResponse>(from, recorder, failed, then));
      }
    }
  }

  /** Failed requests of every phase by gRPC status code, and the first description of each. */
  private final Map<Status.Code, LongAdder> errors = new ConcurrentHashMap<>();

  private final Map<Status.Code, String> firstErrors = new ConcurrentHashMap<>();

  private void noteError(Throwable t) {
    Status status = Status.fromThrowable(t);
    errors.computeIfAbsent(status.getCode(), c -> new LongAdder()).increment();
    firstErrors.putIfAbsent(
        status.getCode(), status.getDescription() == null ? "" : status.getDescription());
  }

  /** The failures by code, e.g. {@code UNAVAILABLE 12 (first: io exception)}; empty if none. */
  String errorSummary() {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<Status.Code, LongAdder> e : new TreeMap<>(errors).entrySet()) {
      String first = firstErrors.getOrDefault(e.getKey(), "");
      parts.add(
          e.getKey()
              + " "
              + e.getValue().sum()
              + (first.isEmpty() ? "" : " (first: " + first + ")"));
    }
    return String.join(", ", parts);
  }

  /** Times one call; runs the next step on the answering thread (a failure: on another one). */
  private final class Answer<T> implements StreamObserver<T> {
    private final long from;
    private final Recorder recorder;
    private final AtomicLong failed;
    private final Runnable then;

    Answer(long from, Recorder recorder, AtomicLong failed, Runnable then) {
      this.from = from;
      this.recorder = recorder;
      this.failed = failed;
      this.then = then;
    }

    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {
      failed.incrementAndGet();
      noteError(t);
      // A call can fail inside the send that started it (e.g. a closed channel); going on from
      // another thread keeps a chain of such failures from growing the stack.
      ForkJoinPool.commonPool().execute(then);
    }

    @Override
    public void onCompleted() {
      recorder.recordValue(System.nanoTime() - from);
      then.run();
    }
  }

  /** This process's CPU time in nanoseconds (all threads), or -1 if the JVM cannot tell. */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  static long[] cpuTicks(List<Long> pids) {
    long[] out = new long[pids.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = cpuTicks(pids.get(i));
    }
    return out;
  }

  /** utime+stime of process {@code pid} in clock ticks, from /proc/PID/stat; -1 if unreadable. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the
      // last ')'; utime and stime are fields 14 and 15 of the line.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The clock ticks per second of /proc's CPU times ({@code getconf CLK_TCK}; 100 if unknown). */
  static long clockTicksPerSecond() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return Long.parseLong(out);
      }
    } catch (IOException | RuntimeException e) {
      // fall back
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }

  /** The figures of one measured phase, as a line for people and as a CSV line. */
  record Report(
      String workload,
      String endpoints,
      int clients,
      int conns,
      int warmup,
      int keySpace,
      int valueSize,
      double readRatio,
      double rate,
      long ok,
      long failed,
      long reads,
      double seconds,
      Histogram latency,
      long clientCpuNanos,
      double[] serverCpuUsPerOp) {

    static final String CSV_HEADER =
        "started,workload,endpoints,mode,rate,clients,conns,warmup,key_space,value_size,"
            + "read_ratio,ok,failed,reads,seconds,throughput,p50_ms,p90_ms,p99_ms,p999_ms,"
            + "max_ms,client_cpu_us_per_op,server_cpu_us_per_op,server_cpu_us_per_op_sum";

    /** Successful requests per second of the measured phase. */
    double throughput() {
      return seconds > 0 ? ok / seconds : Double.NaN;
    }

    /** The latency at percentile {@code p} (0 to 100) in milliseconds; NaN if nothing succeeded. */
    double percentileMs(double p) {
      if (latency.getTotalCount() == 0) {
        return Double.NaN;
      }
      return (p >= 100 ? latency.getMaxValue() : latency.getValueAtPercentile(p)) / 1e6;
    }

    double clientCpuUsPerOp() {
      return clientCpuNanos < 0 || ok == 0 ? Double.NaN : clientCpuNanos / 1e3 / ok;
    }

    double serverCpuUsPerOpSum() {
      double sum = 0;
      for (double v : serverCpuUsPerOp) {
        sum += v;
      }
      return serverCpuUsPerOp.length == 0 ? Double.NaN : sum;
    }

    String human() {
      StringBuilder b = new StringBuilder();
      b.append(workload).append(": ").append(ok + failed).append(" requests");
      if (workload.equals("mix")) {
        b.append(String.format(Locale.ROOT, " (%d gets)", reads));
      }
      if (warmup > 0) {
        b.append(" after ").append(warmup).append(" warm-up");
      }
      b.append(", ").append(clients).append(" clients, ").append(conns).append(" conns, ");
      b.append(valueSize).append("-byte values, ");
      if (rate > 0) {
        b.append(String.format(Locale.ROOT, "open loop at %s req/s", shown(rate, 0)));
      } else {
        b.append("closed loop");
      }
      b.append(String.format(Locale.ROOT, ": %s req/s;", shown(throughput(), 0)));
      b.append(" latency ms");
      for (double p : new double[] {50, 90, 99, 99.9}) {
        b.append(' ').append(p == 99.9 ? "p99.9" : "p" + (int) p).append(' ');
        b.append(shown(percentileMs(p), 2));
      }
      b.append(" max ").append(shown(percentileMs(100), 2));
      if (rate > 0) {
        b.append(" (from each request's due time)");
      }
      b.append("; client CPU ").append(shown(clientCpuUsPerOp(), 1)).append(" us/op");
      if (serverCpuUsPerOp.length > 0) {
        b.append("; --cpu-pids CPU us/op ");
        for (int i = 0; i < serverCpuUsPerOp.length; i++) {
          b.append(i == 0 ? "" : " + ").append(shown(serverCpuUsPerOp[i], 1));
        }
        b.append(" = ").append(shown(serverCpuUsPerOpSum(), 1));
      }
      b.append("; ").append(failed).append(" failed");
      return b.toString();
    }

    String csvRow(Instant started) {
      List<String> servers = new ArrayList<>();
      for (double v : serverCpuUsPerOp) {
        servers.add(num(v, 1));
      }
      return String.join(
          ",",
          started.toString(),
          workload,
          csvField(endpoints),
          rate > 0 ? "open" : "closed",
          rate > 0 ? num(rate, 1) : "",
          Integer.toString(clients),
          Integer.toString(conns),
          Integer.toString(warmup),
          Integer.toString(keySpace),
          Integer.toString(valueSize),
          Double.isNaN(readRatio) ? "" : num(readRatio, 3),
          Long.toString(ok),
          Long.toString(failed),
          Long.toString(reads),
          num(seconds, 3),
          num(throughput(), 1),
          num(percentileMs(50), 3),
          num(percentileMs(90), 3),
          num(percentileMs(99), 3),
          num(percentileMs(99.9), 3),
          num(percentileMs(100), 3),
          num(clientCpuUsPerOp(), 1),
          String.join(";", servers),
          num(serverCpuUsPerOpSum(), 1));
    }

    /** {@code v} with {@code decimals} decimals, or n/a for NaN. */
    private static String shown(double v, int decimals) {
      return Double.isNaN(v) ? "n/a" : num(v, decimals);
    }

    /** {@code v} with {@code decimals} decimals, or the empty string for NaN. */
    private static String num(double v, int decimals) {
      return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String csvField(String s) {
      return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
  }
}

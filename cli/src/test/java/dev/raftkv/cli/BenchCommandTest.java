package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.PutResponse;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  @TempDir Path dir;

  /** A KV service that answers at once and counts what it was sent. */
  static final class CountingKv extends KVGrpc.KVImplBase {
    final AtomicInteger puts = new AtomicInteger();
    final AtomicInteger ranges = new AtomicInteger();
    final Set<String> keysPut = ConcurrentHashMap.newKeySet();
    volatile int lastValueSize = -1;
    volatile boolean silentGets;

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> response) {
      puts.incrementAndGet();
      keysPut.add(request.getKey().toStringUtf8());
      lastValueSize = request.getValue().size();
      response.onNext(PutResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
      ranges.incrementAndGet();
      if (silentGets) {
        return;
      }
      response.onNext(RangeResponse.getDefaultInstance());
      response.onCompleted();
    }
  }

  private final CountingKv kv = new CountingKv();
  private Server server;
  private String endpoint;

  @BeforeEach
  void start() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(kv)
            .build()
            .start();
    endpoint = "127.0.0.1:" + server.getPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = Main.execute(args);
      return new Run(
          exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void badUsageExitsTwoAndSaysWhy() {
    String[][] cases = {
      {"scan", "WORKLOAD must be put, get, mix or fill"},
      {"put --clients 0", "--clients must be positive"},
      {"put --conns -1", "--conns must be positive"},
      {"put --requests 0", "--requests must be positive"},
      {"fill --requests 10", "takes no --requests"},
      {"put --warmup -1", "--warmup must not be negative"},
      {"get --key-space 0", "--key-space must be positive"},
      {"put --value-size -1", "--value-size must not be negative"},
      {"put --read-ratio 0.5", "--read-ratio applies to mix only"},
      {"mix --read-ratio 1.5", "--read-ratio must be between 0 and 1"},
      {"put --rate 0", "--rate must be a positive number"},
      {"put --rate -3", "--rate must be a positive number"},
      {"put --timeout 10", "--timeout must look like"},
      {"put --timeout 0s", "--timeout must be positive"},
      {"put --endpoints ,", "no endpoint given"},
      {"put --cpu-pids 999999999", "cannot read /proc/999999999/stat"},
    };
    for (String[] c : cases) {
      Run r = run(("bench " + c[0]).split(" "));
      assertThat(r.exit()).as(c[0]).isEqualTo(2);
      assertThat(r.err()).as(c[0]).contains(c[1]);
    }
    // Not a number at all: picocli's own message, the same exit code.
    assertThat(run("bench", "put", "--clients", "many").exit()).isEqualTo(2);
  }

  @Test
  void helpNamesEveryWorkloadAndOpenLoop() {
    Run r = run("bench", "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("put", "get", "mix", "fill", "--rate", "coordinated", "--csv", "--cpu-pids");
  }

  @Test
  void percentilesComeFromTheHistogram() {
    Histogram h = new Histogram(3);
    for (int ms = 1; ms <= 1000; ms++) {
      h.recordValue(ms * 1_000_000L);
    }
    BenchCommand.Report r =
        new BenchCommand.Report(
            "put",
            "a:1,b:2",
            32,
            4,
            0,
            10,
            256,
            Double.NaN,
            0,
            1000,
            0,
            0,
            2.0,
            h,
            500_000_000L,
            new double[] {100, 20, 30.5});
    assertThat(r.throughput()).isEqualTo(500);
    assertThat(r.percentileMs(50)).isCloseTo(500, within(1.0));
    assertThat(r.percentileMs(99)).isCloseTo(990, within(1.0));
    assertThat(r.percentileMs(99.9)).isCloseTo(999, within(1.0));
    assertThat(r.percentileMs(100)).isCloseTo(1000, within(1.0));
    assertThat(r.clientCpuUsPerOp()).isEqualTo(500);
    assertThat(r.serverCpuUsPerOpSum()).isEqualTo(150.5);
    assertThat(r.human())
        .contains("500 req/s", "p50 500.", "p99.9 999.", "client CPU 500.0 us/op", "= 150.5");
    String row = r.csvRow(Instant.parse("2026-01-02T03:04:05Z"));
    assertThat(row).startsWith("2026-01-02T03:04:05Z,put,\"a:1,b:2\",closed,,32,4,");
    assertThat(row).endsWith(",500.0,100.0;20.0;30.5,150.5");
    // Quoted endpoints aside, as many fields as the header names.
    assertThat(row.replace("\"a:1,b:2\"", "x").split(",", -1))
        .hasSize(BenchCommand.Report.CSV_HEADER.split(",").length);
  }

  @Test
  void nothingAnsweredPrintsNotAvailable() {
    BenchCommand.Report r =
        new BenchCommand.Report(
            "get",
            "a:1",
            1,
            1,
            0,
            10,
            0,
            Double.NaN,
            0,
            0,
            5,
            5,
            1.0,
            new Histogram(3),
            1000,
            new double[0]);
    assertThat(r.human()).contains("p50 n/a", "5 failed");
    assertThat(r.csvRow(Instant.EPOCH)).contains(",0,5,5,");
  }

  @Test
  void closedLoopMixSendsTheRequestsAskedFor() throws Exception {
    Path csv = dir.resolve("runs.csv");
    Run r =
        run(
            "bench",
            "mix",
            "--endpoints",
            endpoint,
            "--clients",
            "16",
            "--conns",
            "3",
            "--requests",
            "2000",
            "--warmup",
            "500",
            "--key-space",
            "50",
            "--value-size",
            "7",
            "--csv",
            csv.toString(),
            "--cpu-pids",
            Long.toString(ProcessHandle.current().pid()));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(kv.puts.get() + kv.ranges.get()).isEqualTo(2500);
    assertThat(kv.ranges.get()).isBetween(2000, 2400);
    assertThat(kv.lastValueSize).isEqualTo(7);
    assertThat(r.out()).startsWith("mix: 2000 requests (").contains("0 failed");
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).isEqualTo(BenchCommand.Report.CSV_HEADER);
    assertThat(lines.get(1)).contains(",mix," + endpoint + ",closed,,16,3,500,50,7,0.900,2000,0,");

    // A second run appends one line, no second header.
    assertThat(
            run(
                    "bench",
                    "get",
                    "--endpoints",
                    endpoint,
                    "--requests",
                    "10",
                    "--csv",
                    csv.toString())
                .exit())
        .isZero();
    assertThat(Files.readAllLines(csv)).hasSize(3);
  }

  @Test
  void fillPutsEveryKeyOnce() {
    Run r = run("bench", "fill", "--endpoints", endpoint, "--key-space", "300", "--clients", "8");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(kv.puts.get()).isEqualTo(300);
    assertThat(kv.keysPut).hasSize(300).contains("bench-0", "bench-299");
  }

  @Test
  void openLoopKeepsToTheRate() {
    long t0 = System.nanoTime();
    Run r =
        run(
            "bench",
            "put",
            "--endpoints",
            endpoint,
            "--rate",
            "1000",
            "--requests",
            "500",
            "--clients",
            "4");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(kv.puts.get()).isEqualTo(500);
    // 500 requests due over 0.5 s: no faster than the schedule allows.
    assertThat(seconds).isGreaterThan(0.49);
    assertThat(r.out()).contains("open loop at 1000 req/s", "from each request's due time");
  }

  @Test
  void requestsWithNoAnswerTimeOut() {
    kv.silentGets = true;
    long t0 = System.nanoTime();
    Run r =
        run(
            "bench",
            "get",
            "--endpoints",
            endpoint,
            "--requests",
            "20",
            "--clients",
            "4",
            "--timeout",
            "200ms");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("20 failed", "p50 n/a");
    assertThat(r.err()).contains("20 requests failed (0 of them in the warm-up): CANCELLED 20");
    // Five rounds of four requests, each cancelled 200 ms (plus the watchdog's 10 ms) in.
    assertThat((System.nanoTime() - t0) / 1e9).isBetween(0.9, 5.0);
  }

  @Test
  void aServerThatIsNotThereFailsTheRequestsAndExitsOne() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    Run r = run("bench", "put", "--endpoints", endpoint, "--requests", "50", "--clients", "4");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("50 failed");
    assertThat(r.err()).contains("UNAVAILABLE 50");
  }
}

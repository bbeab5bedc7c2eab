package dev.raftkv.cli;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftkv bench put|get}: a load generator for any etcd v3 endpoint (raftkv or etcd), so both
 * can be measured the same way on the same machine.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Sends --requests puts (or linearizable gets) from --clients concurrent clients over"
          + " --conns gRPC connections to the endpoints, then prints throughput and latency"
          + " percentiles. Works against etcd too: run both on the same machine and compare.",
      "With --warmup N, first sends N requests of the same kind the same way, untimed (a JVM"
          + " server, and this client, run interpreted code until the JIT has compiled it).",
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every request succeeded", "1:some requests failed", "2:bad usage"})
final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "WORKLOAD", description = "put or get")
  String workload;

  @Option(
      names = "--endpoints",
      defaultValue = "127.0.0.1:2379",
      description = "Default: ${DEFAULT-VALUE}.")
  String endpoints;

  @Option(
      names = "--clients",
      defaultValue = "32",
      description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--conns",
      defaultValue = "4",
      description = "gRPC connections (default: ${DEFAULT-VALUE}).")
  int conns;

  @Option(
      names = "--requests",
      defaultValue = "20000",
      description = "Total requests (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--warmup",
      defaultValue = "0",
      description =
          "Untimed requests sent the same way before the measured ones (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--key-space",
      defaultValue = "10000",
      description = "Distinct keys (default: ${DEFAULT-VALUE}).")
  int keySpace;

  @Option(
      names = "--value-size",
      defaultValue = "256",
      description = "Bytes per value (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Override
  public Integer call() throws InterruptedException {
    if (!workload.equals("put") && !workload.equals("get")) {
      System.err.println("raftkv bench: WORKLOAD must be put or get, got '" + workload + "'");
      return 2;
    }
    if (clients <= 0
        || conns <= 0
        || requests <= 0
        || keySpace <= 0
        || valueSize < 0
        || warmup < 0) {
      System.err.println(
          "raftkv bench: --clients, --conns, --requests, --key-space must be positive,"
              + " --warmup not negative");
      return 2;
    }
    String first = endpoints.split(",")[0];
    Endpoints[] channels = new Endpoints[conns];
    for (int i = 0; i < conns; i++) {
      channels[i] = new Endpoints(first);
    }
    ByteString value = ByteString.copyFrom(new byte[valueSize]);
    if (warmup > 0) {
      run(channels, value, new long[warmup], new AtomicInteger());
    }
    long[] latencies = new long[requests];
    AtomicInteger failures = new AtomicInteger();
    long start = System.nanoTime();
    run(channels, value, latencies, failures);
    double seconds = (System.nanoTime() - start) / 1e9;
    for (Endpoints e : channels) {
      e.close();
    }
    Arrays.sort(latencies);
    System.out.printf(
        "%s: %d requests%s, %d clients, %d conns, %d-byte values: %.0f req/s;"
            + " latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f; %d failed%n",
        workload,
        requests,
        warmup > 0 ? " (after " + warmup + " warm-up)" : "",
        clients,
        conns,
        valueSize,
        requests / seconds,
        latencies[requests / 2] / 1e6,
        latencies[(int) (requests * 0.9)] / 1e6,
        latencies[(int) Math.min(requests - 1, requests * 0.99)] / 1e6,
        latencies[requests - 1] / 1e6,
        failures.get());
    return failures.get() == 0 ? 0 : 1;
  }

  /**
   * Sends {@code latencies.length} requests from {@link #clients} threads and records each one's
   * latency; returns when all are answered.
   */
  private void run(Endpoints[] channels, ByteString value, long[] latencies, AtomicInteger failures)
      throws InterruptedException {
    int total = latencies.length;
    AtomicInteger next = new AtomicInteger();
    Thread[] threads = new Thread[clients];
    for (int c = 0; c < clients; c++) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channels[c % conns].channel(0));
      Random random = new Random(c);
      threads[c] =
          new Thread(
              () -> {
                int i;
                while ((i = next.getAndIncrement()) < total) {
                  ByteString key = ByteString.copyFromUtf8("bench-" + random.nextInt(keySpace));
                  long t0 = System.nanoTime();
                  try {
                    var stub = kv.withDeadlineAfter(10, TimeUnit.SECONDS);
                    if (workload.equals("put")) {
                      stub.put(PutRequest.newBuilder().setKey(key).setValue(value).build());
                    } else {
                      stub.range(RangeRequest.newBuilder().setKey(key).build());
                    }
                  } catch (RuntimeException e) {
                    failures.incrementAndGet();
                  }
                  latencies[i] = System.nanoTime() - t0;
                }
              });
      threads[c].start();
    }
    for (Thread t : threads) {
      t.join();
    }
  }
}

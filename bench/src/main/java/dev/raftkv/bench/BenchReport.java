package dev.raftkv.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Turns the results file of {@code bench/scripts/compare-etcd.sh} (one CSV line per run) into a
 * Markdown report with one table per workload and value size, and an SVG chart of throughput by
 * client count. JDK only, so the script runs it straight from its source: {@code java
 * bench/src/main/java/dev/raftkv/bench/BenchReport.java RESULTS.csv META.env OUT.md OUT.svg}.
 *
 * <p>Per configuration (workload, value size, clients) and system it takes the median over the
 * runs; "raftkv/etcd" is the ratio of the two medians, and the range after it the lowest and
 * highest ratio within one A/B pair (the two runs of a pair ran back to back).
 */
public final class BenchReport {
  private BenchReport() {}

  /** One run: the CSV line by column name. */
  record Run(Map<String, String> f) {
    String s(String column) {
      String v = f.get(column);
      return v == null ? "" : v;
    }

    double d(String column) {
      String v = s(column);
      return v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    int i(String column) {
      return Integer.parseInt(s(column));
    }

    String system() {
      return s("system");
    }

    String config() {
      return s("workload") + "/" + s("value_size") + "/" + s("clients");
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: BenchReport RESULTS.csv META.env OUT.md OUT.svg");
      System.exit(2);
    }
    Path csv = Path.of(args[0]);
    Map<String, String> meta = readMeta(Path.of(args[1]));
    Path md = Path.of(args[2]).toAbsolutePath();
    Path svg = Path.of(args[3]).toAbsolutePath();
    List<Run> runs = Files.exists(csv) ? readCsv(csv) : List.of();
    Path checkPerf = Path.of(meta.getOrDefault("results_dir", "."), "check-perf.txt");
    List<String> perf =
        Files.exists(checkPerf) ? Files.readAllLines(checkPerf, StandardCharsets.UTF_8) : List.of();
    Files.createDirectories(md.getParent());
    Files.writeString(md, markdown(runs, meta, md.getParent().relativize(svg).toString(), perf));
    Files.writeString(svg, svg(runs, meta));
    System.out.println("wrote " + md + " and " + svg + " (" + runs.size() + " runs)");
  }

  static Map<String, String> readMeta(Path path) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    if (Files.exists(path)) {
      for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          meta.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    }
    return meta;
  }

  static List<Run> readCsv(Path path) throws IOException {
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    List<Run> runs = new ArrayList<>();
    if (lines.isEmpty()) {
      return runs;
    }
    List<String> header = split(lines.get(0));
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      List<String> values = split(line);
      Map<String, String> f = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        f.put(header.get(i), i < values.size() ? values.get(i) : "");
      }
      runs.add(new Run(f));
    }
    return runs;
  }

  /** One CSV line's fields; a field in double quotes may hold commas and doubled quotes. */
  static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder b = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          b.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          b.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(b.toString());
        b.setLength(0);
      } else {
        b.append(c);
      }
    }
    out.add(b.toString());
    return out;
  }

  static double median(List<Run> runs, ToDoubleFunction<Run> value) {
    List<Double> v = new ArrayList<>();
    for (Run r : runs) {
      double x = value.applyAsDouble(r);
      if (!Double.isNaN(x)) {
        v.add(x);
      }
    }
    if (v.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(v);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  /** The configurations in the order the sweep ran them, each with its runs per system. */
  static Map<String, Map<String, List<Run>>> byConfig(List<Run> runs) {
    Map<String, Map<String, List<Run>>> out = new LinkedHashMap<>();
    for (Run r : runs) {
      out.computeIfAbsent(r.config(), k -> new LinkedHashMap<>())
          .computeIfAbsent(r.system(), k -> new ArrayList<>())
          .add(r);
    }
    return out;
  }

  /** The lowest and highest raftkv/etcd ratio of {@code value} within one pair; null if none. */
  static double[] pairRange(List<Run> etcd, List<Run> raftkv, ToDoubleFunction<Run> value) {
    double lo = Double.NaN;
    double hi = Double.NaN;
    for (Run e : etcd) {
      for (Run r : raftkv) {
        if (e.s("pair").equals(r.s("pair"))) {
          double ratio = value.applyAsDouble(r) / value.applyAsDouble(e);
          if (!Double.isNaN(ratio) && !Double.isInfinite(ratio)) {
            lo = Double.isNaN(lo) ? ratio : Math.min(lo, ratio);
            hi = Double.isNaN(hi) ? ratio : Math.max(hi, ratio);
          }
        }
      }
    }
    return Double.isNaN(lo) ? null : new double[] {lo, hi};
  }

  /** {@code v} rounded to about three significant digits, with thousands separators. */
  static String num(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    double a = Math.abs(v);
    String pattern = a >= 100 ? "%,.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
    return String.format(Locale.ROOT, pattern, v);
  }

  static String ratio(double raftkv, double etcd) {
    double r = raftkv / etcd;
    return Double.isNaN(r) || Double.isInfinite(r) ? "–" : String.format(Locale.ROOT, "%.2f", r);
  }

  /**
   * The report; {@code checkPerf} holds the lines the script wrote for {@code etcdctl check perf}
   * (empty if it did not run it).
   */
  static String markdown(
      List<Run> runs, Map<String, String> meta, String svgName, List<String> checkPerf) {
    StringBuilder b = new StringBuilder();
    b.append("# raftkv against etcd: benchmarks\n\n");
    b.append(
        "<!-- Generated by bench/src/main/java/dev/raftkv/bench/BenchReport.java from the"
            + " results of bench/scripts/compare-etcd.sh. Do not edit by hand: run the script"
            + " again. -->\n\n");
    boolean smoke = "1".equals(meta.get("smoke"));
    boolean defaultSweep = "1".equals(meta.get("default_sweep"));
    if (smoke) {
      b.append(
          "> **Smoke run: these figures are not results.** Fewer than 3 A/B pairs or fewer than"
              + " 20,000 requests per run; it only shows that the tooling works.\n\n");
    }
    if (!defaultSweep) {
      b.append(
          "> Not the default sweep: the command below changed some of its parameters, so"
              + " only some configurations ran, or ran differently.\n\n");
    }
    b.append("Reproduce (after `./mvnw -q -B -ntp package -DskipTests`):\n\n");
    b.append("```\n").append(meta.getOrDefault("command", "bench/scripts/compare-etcd.sh"));
    b.append("\n```\n\n");
    // A report combined from several runs says how (meta.env's note=, one line, Markdown).
    if (meta.containsKey("note")) {
      b.append(meta.get("note")).append("\n\n");
    }
    b.append(
        "What changed to get here, the profiles behind it, and what was tried and not kept:"
            + " [`performance.md`](performance.md). With TLS on both systems (client and peer,"
            + " client certificates required): [`benchmarks-tls.md`](benchmarks-tls.md).\n\n");
    b.append("| | |\n|---|---|\n");
    for (String[] k :
        new String[][] {
          {"started", "started (UTC)"},
          {"git", "raftkv commit"},
          {"etcd", "etcd"},
          {"java", "java"},
          {"cpus", "CPUs"},
          {"kernel", "kernel"},
          {"PAIRS", "A/B pairs per configuration"},
          {"REQUESTS", "measured requests per run"},
          {"WARMUP", "warm-up requests before each run"},
          {"PRIME", "puts to each cluster once, before the sweep"},
          {"KEY_SPACE", "keys"},
          {"RATE", "open-loop rate (empty: closed loop)"},
          {"TLS", "TLS, client and peer, client-cert-auth (1: on both systems)"},
          {"results_dir", "raw results (on the machine that ran it; not in git)"},
        }) {
      if (meta.containsKey(k[0])) {
        String v = meta.get(k[0]);
        b.append("| ").append(k[1]).append(" | ").append(v.isEmpty() ? "–" : "`" + v + "`");
        b.append(" |\n");
      }
    }
    b.append(
        """

        How: a 3-member etcd and a 3-member raftkv on loopback, each member with its own empty \
        data dir and fsync on (both defaults), both clusters up for the whole sweep. The same \
        client, `raftkv bench` (asynchronous gRPC, HdrHistogram), sends the load to the \
        leader's endpoint only. Every configuration runs as interleaved A/B pairs: etcd then \
        raftkv, then raftkv then etcd, and so on; every run first sends the warm-up requests \
        untimed, then the measured ones. Before the sweep each cluster gets the priming puts; \
        before the get and mix runs of a value size, every key gets a value of that size; after \
        every run the cluster is compacted to its current revision. Server CPU is utime+stime \
        of each member process from /proc/PID/stat, read by the client at the start and end of \
        the measured phase, summed over the three members and divided by the successful \
        requests; client CPU is the bench JVM's own CPU time over the same phase. Load is the \
        1-minute load average read just before each run (lowest–highest over the runs of a row).
        %s

        Each figure is the median of the runs; raftkv/etcd is the ratio of the medians (for \
        latency and CPU, below 1 is better for raftkv), with the lowest and highest ratio \
        within one pair in brackets. The client shares the machine's cores with all six \
        members (the idle cluster's heartbeats too), so its own CPU per request is part of the \
        picture: where it is near the servers', the figures say as much about the client as \
        about the servers.

        """
            .formatted(tickNote(meta)));
    if (runs.isEmpty()) {
      b.append("No runs recorded.\n");
      return b.toString();
    }
    b.append("![throughput by client count](").append(svgName).append(")\n\n");
    String current = "";
    for (Map.Entry<String, Map<String, List<Run>>> e : byConfig(runs).entrySet()) {
      List<Run> etcd = e.getValue().getOrDefault("etcd", List.of());
      List<Run> raftkv = e.getValue().getOrDefault("raftkv", List.of());
      Run any = etcd.isEmpty() ? raftkv.get(0) : etcd.get(0);
      String section = any.s("workload") + ", " + any.s("value_size") + "-byte values";
      if (!section.equals(current)) {
        b.append(current.isEmpty() ? "" : "\n").append("## ").append(section);
        current = section;
        if (any.s("workload").equals("mix")) {
          b.append(" (").append(any.s("read_ratio")).append(" linearizable gets)");
        }
        if (any.s("mode").equals("open")) {
          b.append(", open loop at ").append(any.s("rate")).append(" req/s");
        }
        b.append("\n\n");
        b.append(
            "| clients (conns) | runs etcd/raftkv | req/s etcd | req/s raftkv | raftkv/etcd"
                + " | p50 ms etcd / raftkv | p99 ms etcd | p99 ms raftkv | raftkv/etcd"
                + " | p99.9 ms etcd / raftkv | server CPU µs/op etcd | server CPU µs/op raftkv"
                + " | raftkv/etcd | client CPU µs/op etcd / raftkv | load 1m | notes |\n");
        b.append(
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
      }
      ToDoubleFunction<Run> tp = r -> r.d("throughput");
      ToDoubleFunction<Run> p99 = r -> r.d("p99_ms");
      ToDoubleFunction<Run> cpu = r -> r.d("server_cpu_us_per_op_sum");
      double tpE = median(etcd, tp);
      double tpR = median(raftkv, tp);
      double p99E = median(etcd, p99);
      double p99R = median(raftkv, p99);
      double cpuE = median(etcd, cpu);
      double cpuR = median(raftkv, cpu);
      b.append("| ").append(any.s("clients")).append(" (").append(any.s("conns")).append(")");
      b.append(" | ").append(etcd.size()).append('/').append(raftkv.size());
      b.append(" | ").append(num(tpE)).append(" | ").append(num(tpR));
      b.append(" | ").append(ratio(tpR, tpE)).append(range(pairRange(etcd, raftkv, tp)));
      b.append(" | ").append(num(median(etcd, r -> r.d("p50_ms"))));
      b.append(" / ").append(num(median(raftkv, r -> r.d("p50_ms"))));
      b.append(" | ").append(num(p99E)).append(" | ").append(num(p99R));
      b.append(" | ").append(ratio(p99R, p99E)).append(range(pairRange(etcd, raftkv, p99)));
      b.append(" | ").append(num(median(etcd, r -> r.d("p999_ms"))));
      b.append(" / ").append(num(median(raftkv, r -> r.d("p999_ms"))));
      b.append(" | ").append(num(cpuE)).append(" | ").append(num(cpuR));
      b.append(" | ").append(ratio(cpuR, cpuE)).append(range(pairRange(etcd, raftkv, cpu)));
      b.append(" | ").append(num(median(etcd, r -> r.d("client_cpu_us_per_op"))));
      b.append(" / ").append(num(median(raftkv, r -> r.d("client_cpu_us_per_op"))));
      List<Run> both = new ArrayList<>(etcd);
      both.addAll(raftkv);
      double lo = Double.NaN;
      double hi = Double.NaN;
      long failed = 0;
      int elections = 0;
      for (Run r : both) {
        double l = r.d("load1");
        lo = Double.isNaN(lo) || l < lo ? l : lo;
        hi = Double.isNaN(hi) || l > hi ? l : hi;
        failed += (long) r.d("failed");
        elections += "1".equals(r.s("leader_changed")) ? 1 : 0;
      }
      b.append(" | ").append(String.format(Locale.ROOT, "%.2f–%.2f", lo, hi)).append(" | ");
      List<String> notes = new ArrayList<>();
      if (failed > 0) {
        notes.add(failed + " requests failed");
      }
      if (elections > 0) {
        notes.add("leader or term changed in " + elections + " runs");
      }
      b.append(String.join("; ", notes)).append(" |\n");
    }
    if (!checkPerf.isEmpty()) {
      b.append("\n## etcdctl check perf --load=").append(meta.getOrDefault("CHECK_PERF_LOAD", ""));
      b.append("\n\n");
      b.append(
          "etcd's own load test (60 s of puts from etcdctl's clients to the leader), once"
              + " against each cluster after the sweep, etcd first; not interleaved, so only a"
              + " cross-check:\n\n");
      for (String l : checkPerf) {
        b.append("- ").append(l).append('\n');
      }
    }
    b.append("\n<details><summary>Every run, in the order they ran</summary>\n\n");
    b.append(
        "| workload | bytes | clients | pair | slot | system | leader | req/s | p50 ms | p99 ms"
            + " | p99.9 ms | max ms | server CPU µs/op (members 1 + 2 + 3) | client CPU µs/op"
            + " | load 1m | failed |\n");
    b.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Run r : runs) {
      b.append("| ").append(r.s("workload")).append(" | ").append(r.s("value_size"));
      b.append(" | ").append(r.s("clients")).append(" | ").append(r.s("pair"));
      b.append(" | ").append(r.s("slot")).append(" | ").append(r.system());
      b.append(" | member ").append(r.s("leader_member"));
      for (String c : new String[] {"throughput", "p50_ms", "p99_ms", "p999_ms", "max_ms"}) {
        b.append(" | ").append(num(r.d(c)));
      }
      b.append(" | ").append(num(r.d("server_cpu_us_per_op_sum")));
      b.append(" (").append(r.s("server_cpu_us_per_op").replace(";", " + ")).append(")");
      b.append(" | ").append(num(r.d("client_cpu_us_per_op")));
      b.append(" | ").append(r.s("load1")).append(" | ").append(r.s("failed")).append(" |\n");
    }
    b.append("\n</details>\n");
    return b.toString();
  }

  /** How coarse the servers' CPU figures are: /proc counts in clock ticks. */
  static String tickNote(Map<String, String> meta) {
    try {
      double hz = Double.parseDouble(meta.get("clk_tck"));
      double requests = Double.parseDouble(meta.get("REQUESTS"));
      return String.format(
          Locale.ROOT,
          "/proc counts CPU in clock ticks of %.0f ms, so with %,.0f requests per run one tick"
              + " of one member is %.2f µs per request.",
          1000 / hz,
          requests,
          1e6 / hz / requests);
    } catch (RuntimeException e) {
      return "/proc counts CPU in clock ticks (getconf CLK_TCK per second).";
    }
  }

  private static String range(double[] r) {
    return r == null ? "" : String.format(Locale.ROOT, " (%.2f–%.2f)", r[0], r[1]);
  }

  private static final String ETCD_COLOR = "#1f77b4";
  private static final String RAFTKV_COLOR = "#e6550d";

  /** Panels of throughput against client count: one per workload (rows) and size (columns). */
  static String svg(List<Run> runs, Map<String, String> meta) {
    List<String> workloads = new ArrayList<>();
    List<String> sizes = new ArrayList<>();
    TreeSet<Integer> clientCounts = new TreeSet<>();
    for (Run r : runs) {
      if (!workloads.contains(r.s("workload"))) {
        workloads.add(r.s("workload"));
      }
      if (!sizes.contains(r.s("value_size"))) {
        sizes.add(r.s("value_size"));
      }
      clientCounts.add(r.i("clients"));
    }
    List<Integer> clients = new ArrayList<>(clientCounts);
    int pw = 330;
    int ph = 210;
    int left = 62;
    int right = 14;
    int top = 28;
    int bottom = 36;
    int head = 54;
    int width = Math.max(560, Math.max(1, sizes.size()) * pw + 10);
    int height = head + Math.max(1, workloads.size()) * ph + 10;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width);
    s.append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width);
    s.append(' ').append(height).append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    String title =
        "raftkv against etcd " + meta.getOrDefault("etcd", "") + ": throughput (req/s) by clients";
    text(s, 8, 18, title, "start", "bold", "#000");
    legend(s, 8, 38);
    text(s, 160, 38, "lines: medians; dots: single runs", "start", "normal", "#444");
    if ("1".equals(meta.get("smoke"))) {
      text(s, width - 8, 38, "SMOKE RUN: NOT A RESULT", "end", "bold", "#c00");
    }
    if (runs.isEmpty()) {
      text(s, 8, head + 20, "no runs recorded", "start", "normal", "#000");
    }
    Map<String, Map<String, List<Run>>> configs = byConfig(runs);
    for (int row = 0; row < workloads.size(); row++) {
      for (int col = 0; col < sizes.size(); col++) {
        String w = workloads.get(row);
        String size = sizes.get(col);
        int x0 = col * pw + left;
        int y0 = head + row * ph + top;
        int iw = pw - left - right;
        int ih = ph - top - bottom;
        double max = 0;
        for (Run r : runs) {
          if (r.s("workload").equals(w) && r.s("value_size").equals(size)) {
            max = Math.max(max, r.d("throughput"));
          }
        }
        double step = niceCeiling(Math.max(max, 1) / 4);
        int ticks = (int) Math.max(1, Math.ceil(max / step));
        double yMax = step * ticks;
        text(s, x0, y0 - 8, w + ", " + size + "-byte values", "start", "bold", "#000");
        for (int t = 0; t <= ticks; t++) {
          double v = step * t;
          double y = y0 + ih - ih * t / (double) ticks;
          line(s, x0, y, x0 + iw, y, t == 0 ? "#888" : "#ddd", false);
          text(s, x0 - 4, y + 4, String.format(Locale.ROOT, "%,.0f", v), "end", "normal", "#444");
        }
        for (int i = 0; i < clients.size(); i++) {
          text(
              s,
              xAt(x0, iw, clients.size(), i),
              y0 + ih + 14,
              clients.get(i).toString(),
              "middle",
              "normal",
              "#444");
        }
        text(s, x0 + iw / 2.0, y0 + ih + 28, "clients", "middle", "normal", "#444");
        for (String system : new String[] {"etcd", "raftkv"}) {
          String color = system.equals("etcd") ? ETCD_COLOR : RAFTKV_COLOR;
          StringBuilder path = new StringBuilder();
          for (int i = 0; i < clients.size(); i++) {
            Map<String, List<Run>> c = configs.get(w + "/" + size + "/" + clients.get(i));
            List<Run> rs = c == null ? List.of() : c.getOrDefault(system, List.of());
            double x = xAt(x0, iw, clients.size(), i);
            for (Run r : rs) {
              double y = y0 + ih - ih * r.d("throughput") / yMax;
              s.append(
                  String.format(
                      Locale.ROOT,
                      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\" fill-opacity=\"0.35\"/>%n",
                      x + (system.equals("etcd") ? -4 : 4),
                      y,
                      color));
            }
            double m = median(rs, r -> r.d("throughput"));
            if (!Double.isNaN(m)) {
              double y = y0 + ih - ih * m / yMax;
              path.append(path.length() == 0 ? "M" : " L");
              path.append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
              marker(s, system, x, y, color);
            }
          }
          if (path.length() > 0) {
            s.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(color);
            s.append("\" stroke-width=\"1.8\"");
            if (system.equals("raftkv")) {
              s.append(" stroke-dasharray=\"5 3\"");
            }
            s.append("/>\n");
          }
        }
      }
    }
    s.append("</svg>\n");
    return s.toString();
  }

  private static double xAt(int x0, int iw, int n, int i) {
    return n == 1 ? x0 + iw / 2.0 : x0 + 16 + (iw - 32) * i / (double) (n - 1);
  }

  /** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least {@code v}. */
  static double niceCeiling(double v) {
    if (!(v > 0)) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static void legend(StringBuilder s, int x, int y) {
    line(s, x, y - 4, x + 24, y - 4, ETCD_COLOR, false);
    marker(s, "etcd", x + 12, y - 4, ETCD_COLOR);
    text(s, x + 30, y, "etcd", "start", "normal", "#000");
    line(s, x + 70, y - 4, x + 94, y - 4, RAFTKV_COLOR, true);
    marker(s, "raftkv", x + 82, y - 4, RAFTKV_COLOR);
    text(s, x + 100, y, "raftkv", "start", "normal", "#000");
  }

  private static void marker(StringBuilder s, String system, double x, double y, String color) {
    if (system.equals("etcd")) {
      s.append(
          String.format(
              Locale.ROOT,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n",
              x,
              y,
              color));
    } else {
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"%s\"/>%n",
              x - 3.5,
              y - 3.5,
              color));
    }
  }

  private static void line(
      StringBuilder s, double x1, double y1, double x2, double y2, String color, boolean dashed) {
    s.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>%n",
            x1,
            y1,
            x2,
            y2,
            color,
            dashed ? " stroke-dasharray=\"5 3\" stroke-width=\"1.8\"" : ""));
  }

  private static void text(
      StringBuilder s, double x, double y, String t, String anchor, String weight, String color) {
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-weight=\"%s\" fill=\"%s\">%s</text>%n",
            x,
            y,
            anchor,
            weight,
            color,
            escape(t)));
  }

  private static String escape(String t) {
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}

package dev.raftkv.compat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.CompactionRequest;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.LeaseRevokeRequest;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.WatchCancelRequest;
import dev.raftkv.api.etcdserverpb.WatchCreateRequest;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs seeds of {@link DiffOpGenerator} against real etcd (the oracle) and raftkv at the same time
 * and compares every answer (see {@link Outcomes}).
 *
 * <p>A seed starts by writing a marker key under its prefix and compacting to that revision (the
 * seed's base), so nothing an earlier seed did can be seen by it: a seed replayed alone on fresh
 * clusters asks the same questions and gets the same answers, shifted by the base revision. After
 * the seed's ops, every watcher still open gets a sentinel write it must see; then each watcher's
 * events are compared one by one (etcd groups events into responses by its own timing, so only the
 * sequence is compared, plus, for raftkv, that no revision is split over two responses); then the
 * whole prefix is read and the seed's leases are revoked, both compared.
 */
final class DiffRunner implements AutoCloseable {
  private final DiffTarget etcd;
  private final DiffTarget raftkv;
  private final int opsPerSeed;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final Map<DiffOp.Kind, Integer> opCounts = new EnumMap<>(DiffOp.Kind.class);
  private int errorAnswers;
  private int watchEvents;
  private final java.util.concurrent.atomic.AtomicInteger readRetries =
      new java.util.concurrent.atomic.AtomicInteger();

  /** A difference between the two clusters. */
  static final class Mismatch extends Exception {
    private static final long serialVersionUID = 1L;

    Mismatch(String message) {
      super(message);
    }
  }

  /** A watcher the seed opened and did not cancel itself. */
  private record OpenWatch(long id, WatchCreateRequest request, boolean canceledByClient) {}

  DiffRunner(DiffTarget etcd, DiffTarget raftkv, int opsPerSeed) {
    this.etcd = etcd;
    this.raftkv = raftkv;
    this.opsPerSeed = opsPerSeed;
  }

  /** Ops run so far, by kind. */
  Map<DiffOp.Kind, Integer> opCounts() {
    return opCounts;
  }

  /** Answers that were errors (equal on both sides) so far. */
  int errorAnswers() {
    return errorAnswers;
  }

  /** Watch events compared so far. */
  int watchEvents() {
    return watchEvents;
  }

  /**
   * Runs one seed.
   *
   * @throws Mismatch on the first difference, with the seed, the op, both answers and the ops
   *     before it
   */
  void runSeed(long seed) throws Mismatch, InterruptedException {
    etcd.newWatchStream();
    raftkv.newWatchStream();
    List<String> log = new ArrayList<>();
    String prefix = DiffOpGenerator.prefixOf(seed);
    DiffTarget.Outcome marker =
        step(
            seed,
            "setup",
            new DiffOp(
                DiffOp.Kind.PUT,
                PutRequest.newBuilder()
                    .setKey(bytes(prefix + "!"))
                    .setValue(bytes("start"))
                    .build()),
            log);
    long base = marker.revision();
    step(
        seed,
        "setup",
        new DiffOp(
            DiffOp.Kind.COMPACT,
            CompactionRequest.newBuilder().setRevision(base).setPhysical(true).build()),
        log);
    DiffOpGenerator gen = new DiffOpGenerator(seed, base);
    Map<Long, OpenWatch> watches = new LinkedHashMap<>();
    for (int i = 0; i < opsPerSeed; i++) {
      DiffOp op = gen.next();
      DiffTarget.Outcome o = step(seed, "#" + i, op, log);
      if (o.response() != null) {
        gen.observeRevision(o.revision());
      }
      switch (op.kind()) {
        case COMPACT -> {
          if (o.response() != null) {
            gen.observeCompaction(((CompactionRequest) op.request()).getRevision());
          }
        }
        case WATCH_CREATE -> {
          WatchResponse r = (WatchResponse) o.response();
          if (r != null && !r.getCanceled()) {
            WatchCreateRequest c = (WatchCreateRequest) op.request();
            // a client id can be reused once canceled: only the latest watcher of an id is
            // followed to the end (the earlier one's cancel reply was compared already)
            watches.put(r.getWatchId(), new OpenWatch(r.getWatchId(), c, false));
            if (gen.watchCreated(
                r.getWatchId(), c.getStartRevision(), r.getHeader().getRevision())) {
              awaitCompactionCancel(seed, r.getWatchId(), c, log);
            }
          }
        }
        case WATCH_CANCEL -> {
          long id = ((WatchCancelRequest) op.request()).getWatchId();
          OpenWatch w = watches.get(id);
          watches.put(id, new OpenWatch(id, w.request(), true));
        }
        default -> {}
      }
    }
    finishWatches(seed, watches, log);
    step(
        seed,
        "final read",
        new DiffOp(
            DiffOp.Kind.RANGE,
            RangeRequest.newBuilder()
                .setKey(bytes(prefix))
                .setRangeEnd(bytes(prefix.substring(0, prefix.length() - 1) + "0"))
                .build()),
        log);
    for (long lease : gen.liveLeases()) {
      step(
          seed,
          "revoke",
          new DiffOp(
              DiffOp.Kind.LEASE_REVOKE, LeaseRevokeRequest.newBuilder().setID(lease).build()),
          log);
    }
  }

  /** Waits until both clusters canceled a watcher whose start revision is compacted. */
  private void awaitCompactionCancel(long seed, long id, WatchCreateRequest c, List<String> log)
      throws Mismatch, InterruptedException {
    for (DiffTarget t : List.of(etcd, raftkv)) {
      if (t.watch().awaitCanceled(id, DiffTarget.TIMEOUT_MS) == null) {
        throw mismatch(
            seed,
            "watcher " + id + " " + c,
            log,
            t.name() + " did not cancel a watcher whose start revision is compacted",
            "etcd:   "
                + etcd.watch().flatHistory(id)
                + "\nraftkv: "
                + raftkv.watch().flatHistory(id));
      }
    }
  }

  private void finishWatches(long seed, Map<Long, OpenWatch> watches, List<String> log)
      throws Mismatch, InterruptedException {
    Map<Long, Long> sentinel = new LinkedHashMap<>();
    for (OpenWatch w : watches.values()) {
      if (w.canceledByClient()) {
        continue;
      }
      ByteString key = w.request().getKey();
      DiffTarget.Outcome put =
          step(
              seed,
              "sentinel for watcher " + w.id(),
              new DiffOp(
                  DiffOp.Kind.PUT,
                  PutRequest.newBuilder().setKey(key).setValue(bytes("sentinel")).build()),
              log);
      long rev = put.revision();
      if (w.request().getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT)) {
        rev =
            step(
                    seed,
                    "sentinel for watcher " + w.id(),
                    new DiffOp(
                        DiffOp.Kind.DELETE_RANGE,
                        DeleteRangeRequest.newBuilder().setKey(key).build()),
                    log)
                .revision();
      }
      sentinel.put(w.id(), rev);
    }
    for (Map.Entry<Long, Long> s : sentinel.entrySet()) {
      long id = s.getKey();
      for (DiffTarget t : List.of(etcd, raftkv)) {
        if (!t.watch().awaitEventOrCancel(id, s.getValue(), DiffTarget.TIMEOUT_MS)) {
          throw mismatch(
              seed,
              "watcher " + id + " " + watches.get(id).request(),
              log,
              t.name() + " did not deliver the sentinel at revision " + s.getValue(),
              "etcd:   "
                  + etcd.watch().flatHistory(id)
                  + "\nraftkv: "
                  + raftkv.watch().flatHistory(id));
        }
      }
    }
    for (OpenWatch w : watches.values()) {
      // up to its own sentinel: later sentinels may still be on their way
      long upTo = sentinel.getOrDefault(w.id(), Long.MAX_VALUE);
      // a watcher the client canceled: etcd forgets its prev_kv flag at once, so events it was
      // still sending may lack their prev kv; compare those without
      List<String> e = etcd.watch().flatHistory(w.id(), upTo, !w.canceledByClient());
      List<String> r = raftkv.watch().flatHistory(w.id(), upTo, !w.canceledByClient());
      String grouping = raftkv.watch().groupingViolation(w.id());
      if (grouping != null) {
        throw mismatch(seed, "watcher " + w.id() + " " + w.request(), log, grouping, "");
      }
      if (w.canceledByClient()) {
        // etcd may cancel before it sent a replaying watcher's events: one must extend the other
        // (the cancel replies themselves were compared when the cancel ran)
        e.removeIf(l -> l.startsWith("canceled "));
        r.removeIf(l -> l.startsWith("canceled "));
        List<String> shorter = e.size() <= r.size() ? e : r;
        List<String> longer = e.size() <= r.size() ? r : e;
        if (!longer.subList(0, shorter.size()).equals(shorter)) {
          throw mismatch(seed, "canceled watcher " + w.id() + " " + w.request(), log, e, r);
        }
        continue;
      }
      if (!e.equals(r)) {
        throw mismatch(seed, "watcher " + w.id() + " " + w.request(), log, e, r);
      }
      watchEvents += e.size();
    }
  }

  /** Runs one op on both clusters at once and compares the answers. */
  private DiffTarget.Outcome step(long seed, String label, DiffOp op, List<String> log)
      throws Mismatch, InterruptedException {
    Future<DiffTarget.Outcome> fe = pool.submit(() -> executeRead(etcd, op));
    Future<DiffTarget.Outcome> fr = pool.submit(() -> executeRead(raftkv, op));
    DiffTarget.Outcome e = get(fe);
    DiffTarget.Outcome r = get(fr);
    opCounts.merge(op.kind(), 1, Integer::sum);
    if (!e.text().equals(r.text())) {
      throw mismatch(seed, label + " " + op, log, e.text(), r.text());
    }
    if (e.response() == null) {
      errorAnswers++;
    }
    log.add(label + " " + op + "\n      -> " + oneLine(e.text()));
    return e;
  }

  /**
   * Runs {@code op}; a range that failed with UNAVAILABLE (a read that timed out on a loaded
   * machine) is tried again, at most twice, as clients do: reads change nothing, and the test is
   * about answers, not availability. Every retry is counted and reported.
   */
  private DiffTarget.Outcome executeRead(DiffTarget t, DiffOp op) throws InterruptedException {
    DiffTarget.Outcome o = t.execute(op);
    for (int i = 0;
        i < 2 && op.kind() == DiffOp.Kind.RANGE && o.text().startsWith("ERROR UNAVAILABLE");
        i++) {
      readRetries.incrementAndGet();
      System.out.println(
          "DifferentialIT: " + t.name() + " answered " + o.text() + " to " + op + "; retrying");
      o = t.execute(op);
    }
    return o;
  }

  /** Ranges retried after UNAVAILABLE so far. */
  int readRetries() {
    return readRetries.get();
  }

  private static DiffTarget.Outcome get(Future<DiffTarget.Outcome> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw new AssertionError("a differential call failed unexpectedly", e.getCause());
    }
  }

  private static Mismatch mismatch(
      long seed, String what, List<String> log, Object etcdAnswer, Object raftkvAnswer) {
    StringBuilder b = new StringBuilder();
    b.append("raftkv differs from etcd: seed ").append(seed).append(", op ").append(what);
    b.append("\n--- etcd answered:\n").append(etcdAnswer);
    b.append("\n--- raftkv answered:\n").append(raftkvAnswer);
    b.append("\n--- the seed's ops before it (etcd's answers):\n");
    for (String l : log) {
      b.append("  ").append(l).append('\n');
    }
    b.append("--- replay this seed alone: ./mvnw -o -B verify -pl compat -am -Dtest=NONE")
        .append(" -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=DifferentialIT")
        .append(" -Dfailsafe.failIfNoSpecifiedTests=false")
        .append(" -Draftkv.diff.first=")
        .append(seed)
        .append(" -Draftkv.diff.seeds=1");
    return new Mismatch(b.toString());
  }

  private static String oneLine(String s) {
    String t = s.replace('\n', ' ');
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}

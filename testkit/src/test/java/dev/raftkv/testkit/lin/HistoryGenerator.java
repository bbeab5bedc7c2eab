package dev.raftkv.testkit.lin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates concurrent histories that are linearizable by construction: each operation gets a
 * linearization point strictly inside its interval (anywhere after the invocation, or never, for an
 * unknown outcome), and the results come from applying the operations to a sequential etcd model in
 * the order of those points. Every written value is unique ({@code v<id>}), which the corruptions
 * in the tests rely on.
 */
final class HistoryGenerator {

  /**
   * @param recordRevisions whether results carry revisions (otherwise a value-only history)
   */
  record Config(
      int clients,
      int opsPerClient,
      int keys,
      double unknownRate,
      double failRate,
      boolean recordRevisions) {}

  private HistoryGenerator() {}

  private static final class Planned {
    final long id;
    final int client;
    final OpKind kind;
    final String key;
    final long invoke;
    final long complete;
    final Outcome outcome;
    final long point; // Long.MAX_VALUE: never takes effect
    final boolean casOnValue;
    Op op; // the result

    Planned(
        long id,
        int client,
        OpKind kind,
        String key,
        long invoke,
        long complete,
        Outcome outcome,
        long point,
        boolean casOnValue) {
      this.id = id;
      this.client = client;
      this.kind = kind;
      this.key = key;
      this.invoke = invoke;
      this.complete = complete;
      this.outcome = outcome;
      this.point = point;
      this.casOnValue = casOnValue;
    }
  }

  private record Kv(String value, long createRev, long modRev, long version) {}

  static List<Op> generate(Config c, Random rnd) {
    List<Planned> plan = new ArrayList<>();
    long id = 1;
    for (int client = 0; client < c.clients(); client++) {
      long t = rnd.nextInt(5);
      for (int i = 0; i < c.opsPerClient(); i++) {
        long invoke = t + rnd.nextInt(4);
        int duration = 2 + rnd.nextInt(15);
        int k = rnd.nextInt(100);
        OpKind kind =
            k < 40 ? OpKind.GET : k < 70 ? OpKind.PUT : k < 85 ? OpKind.CAS : OpKind.DELETE;
        double r = rnd.nextDouble();
        Outcome outcome =
            r < c.unknownRate()
                ? Outcome.UNKNOWN
                : r < c.unknownRate() + c.failRate() ? Outcome.FAIL : Outcome.OK;
        long point;
        long complete = invoke + duration;
        if (outcome == Outcome.OK) {
          point = invoke + 1 + rnd.nextInt(duration - 1);
        } else if (outcome == Outcome.UNKNOWN && rnd.nextBoolean()) {
          point = invoke + 1 + rnd.nextInt(4 * duration);
        } else {
          point = Long.MAX_VALUE;
        }
        String key = "k" + rnd.nextInt(c.keys());
        plan.add(
            new Planned(
                id++, client, kind, key, invoke, complete, outcome, point, rnd.nextBoolean()));
        t = complete; // a client that timed out moves on too
      }
    }
    List<Planned> byPoint = new ArrayList<>(plan);
    byPoint.sort(Comparator.comparingLong((Planned p) -> p.point).thenComparingLong(p -> p.id));
    Map<String, Kv> store = new HashMap<>();
    Map<String, List<String>> writtenTo = new HashMap<>();
    long rev = 1;
    for (Planned p : byPoint) {
      Kv kv = store.get(p.key);
      List<String> written = writtenTo.computeIfAbsent(p.key, x -> new ArrayList<>());
      String value = "v" + p.id;
      String expectValue = null;
      long expectModRev = Op.NO_REVISION;
      if (p.kind == OpKind.CAS) { // half the time the compare holds at the point
        boolean match = rnd.nextBoolean();
        if (p.casOnValue) {
          expectValue =
              match && kv != null
                  ? kv.value()
                  : written.isEmpty() ? "v0" : written.get(rnd.nextInt(written.size()));
        } else {
          expectModRev = match ? (kv == null ? 0 : kv.modRev()) : rnd.nextInt((int) rev + 1);
        }
      }
      Op op =
          Op.invoke(
              p.id,
              p.client,
              p.kind,
              p.key,
              p.kind == OpKind.PUT || p.kind == OpKind.CAS ? value : null,
              expectValue,
              expectModRev,
              p.invoke);
      if (p.point == Long.MAX_VALUE) {
        p.op = p.outcome == Outcome.FAIL ? op.failed(p.complete) : op;
        continue;
      }
      boolean wrote = false;
      boolean succeeded = false;
      switch (p.kind) {
        case GET -> {}
        case PUT -> wrote = true;
        case DELETE -> {
          succeeded = kv != null;
          if (succeeded) {
            rev++;
            store.remove(p.key);
          }
        }
        case CAS -> {
          succeeded =
              p.casOnValue
                  ? kv != null && kv.value().equals(expectValue)
                  : (kv == null ? 0 : kv.modRev()) == expectModRev;
          wrote = succeeded;
        }
      }
      if (wrote) {
        rev++;
        store.put(
            p.key,
            kv == null
                ? new Kv(value, rev, rev, 1)
                : new Kv(value, kv.createRev(), rev, kv.version() + 1));
        written.add(value);
      }
      long header = c.recordRevisions() ? rev : Op.NO_REVISION;
      if (p.outcome == Outcome.UNKNOWN) {
        p.op = op;
      } else if (p.kind == OpKind.GET) {
        p.op =
            kv == null
                ? op.completeGet(p.complete, null, -1, -1, -1, header)
                : c.recordRevisions()
                    ? op.completeGet(
                        p.complete, kv.value(), kv.modRev(), kv.createRev(), kv.version(), header)
                    : op.completeGet(p.complete, kv.value(), -1, -1, -1, header);
      } else {
        p.op = op.completeWrite(p.complete, succeeded, header);
      }
    }
    List<Op> history = new ArrayList<>();
    for (Planned p : plan) {
      history.add(p.op);
    }
    return history;
  }
}

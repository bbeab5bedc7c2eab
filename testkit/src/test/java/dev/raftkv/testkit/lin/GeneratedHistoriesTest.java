package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Property tests: histories generated from a sequential model are linearizable; the same histories
 * with one result corrupted in a way no execution can explain are not.
 */
class GeneratedHistoriesTest {
  /** Seeds per property; the soak profile raises it ({@code -Draftkv.sim.seeds=N}). */
  private static final int SEEDS = Integer.getInteger("raftkv.sim.seeds", 400);

  private static final Duration BUDGET = Duration.ofSeconds(10);

  private static HistoryGenerator.Config config(Random rnd) {
    return new HistoryGenerator.Config(
        2 + rnd.nextInt(4), 4 + rnd.nextInt(12), 1 + rnd.nextInt(3), 0.1, 0.05, rnd.nextBoolean());
  }

  private static List<Op> generate(long seed) {
    Random rnd = new Random(seed);
    return HistoryGenerator.generate(config(rnd), rnd);
  }

  @Test
  void generatedHistoriesAreLinearizableInAnyListOrder() {
    for (long seed = 0; seed < SEEDS; seed++) {
      List<Op> history = generate(seed);
      CheckResult r = LinearizabilityChecker.check(history, BUDGET);
      assertThat(r.verdict()).as("seed %d\n%s", seed, r.describe()).isEqualTo(Verdict.LINEARIZABLE);
      List<Op> shuffled = new ArrayList<>(history);
      Collections.shuffle(shuffled, new Random(seed));
      assertThat(LinearizabilityChecker.check(shuffled, BUDGET).verdict())
          .as("seed %d shuffled", seed)
          .isEqualTo(Verdict.LINEARIZABLE);
    }
  }

  @Test
  void readOfAValueNeverWritten() {
    assertCorruptionsDetected(
        "read of a value never written",
        (history, rnd) ->
            pick(history, rnd, op -> isOkGet(op))
                .map(g -> replace(history, g, withRead(g, "never-written", -1, -1))));
  }

  @Test
  void droppedWriteThatALaterReadObserved() {
    assertCorruptionsDetected(
        "dropped observed write",
        (history, rnd) ->
            pick(history, rnd, op -> isOkGet(op) && op.readValue() != null)
                .map(
                    g -> {
                      List<Op> out = new ArrayList<>(history);
                      out.removeIf(op -> g.readValue().equals(op.value()));
                      return out;
                    }));
  }

  @Test
  void staleReadAfterACompletedOverwrite() {
    assertCorruptionsDetected(
        "stale read",
        (history, rnd) ->
            staleTriple(history, rnd)
                .map(t -> replace(history, t.read(), withRead(t.read(), t.old().value(), -1, -1))));
  }

  @Test
  void writeReplayedAfterAnOverwrite() {
    assertCorruptionsDetected(
        "replayed write",
        (history, rnd) ->
            staleTriple(history, rnd)
                .map(
                    t ->
                        replace(
                            history,
                            t.read(),
                            withRead(t.read(), t.old().value(), t.read().revision(), -1))));
  }

  @Test
  void revisionGoingBackwardsInRealTime() {
    assertCorruptionsDetected(
        "revision backwards",
        (history, rnd) -> {
          List<Op[]> pairs = new ArrayList<>();
          for (Op a : history) {
            for (Op b : history) {
              if (a.isOk()
                  && b.isOk()
                  && a.revision() >= 2
                  && b.revision() >= 0
                  && a.completeNanos() < b.invokeNanos()) {
                pairs.add(new Op[] {a, b});
              }
            }
          }
          if (pairs.isEmpty()) {
            return Optional.empty();
          }
          Op[] p = pairs.get(rnd.nextInt(pairs.size()));
          return Optional.of(replace(history, p[1], withRevision(p[1], p[0].revision() - 1)));
        });
  }

  /**
   * Applies {@code corrupt} to the history of each seed; where it applies, the result must be
   * NOT_LINEARIZABLE. Fails if it applied to too few seeds to mean anything.
   */
  private static void assertCorruptionsDetected(
      String name, BiFunction<List<Op>, Random, Optional<List<Op>>> corrupt) {
    int applied = 0;
    for (long seed = 0; seed < SEEDS; seed++) {
      List<Op> history = generate(seed);
      Optional<List<Op>> bad = corrupt.apply(history, new Random(seed));
      if (bad.isEmpty()) {
        continue;
      }
      applied++;
      CheckResult r = LinearizabilityChecker.check(bad.get(), BUDGET);
      assertThat(r.verdict())
          .as("%s, seed %d\n%s", name, seed, r.describe())
          .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
    assertThat(applied).as("%s applied to enough seeds", name).isGreaterThan(SEEDS / 5);
  }

  private record Triple(Op old, Op overwrite, Op read) {}

  /**
   * An OK put {@code old}, an OK write {@code overwrite} of the same key invoked after {@code old}
   * completed, and an OK get invoked after {@code overwrite} completed: in every linearization the
   * get comes after the overwrite, which comes after {@code old}, so the get cannot return {@code
   * old}'s value (values are unique).
   */
  private static Optional<Triple> staleTriple(List<Op> history, Random rnd) {
    List<Triple> found = new ArrayList<>();
    for (Op old : history) {
      if (!old.isOk() || old.kind() != OpKind.PUT) {
        continue;
      }
      for (Op w : history) {
        if (!w.isEffectiveWrite()
            || !w.key().equals(old.key())
            || w.invokeNanos() <= old.completeNanos()) {
          continue;
        }
        for (Op g : history) {
          if (isOkGet(g) && g.key().equals(old.key()) && g.invokeNanos() > w.completeNanos()) {
            found.add(new Triple(old, w, g));
          }
        }
      }
    }
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(rnd.nextInt(found.size())));
  }

  private static boolean isOkGet(Op op) {
    return op.isOk() && op.kind() == OpKind.GET;
  }

  private static Optional<Op> pick(
      List<Op> history, Random rnd, java.util.function.Predicate<Op> p) {
    List<Op> candidates = history.stream().filter(p).toList();
    return candidates.isEmpty()
        ? Optional.empty()
        : Optional.of(candidates.get(rnd.nextInt(candidates.size())));
  }

  private static List<Op> replace(List<Op> history, Op old, Op now) {
    List<Op> out = new ArrayList<>(history);
    out.set(out.indexOf(old), now);
    return out;
  }

  private static Op withRead(Op g, String value, long modRev, long version) {
    return new Op(
        g.id(),
        g.client(),
        g.kind(),
        g.key(),
        null,
        null,
        -1,
        g.invokeNanos(),
        g.completeNanos(),
        g.outcome(),
        value,
        modRev,
        -1,
        version,
        false,
        g.revision());
  }

  private static Op withRevision(Op op, long revision) {
    return new Op(
        op.id(),
        op.client(),
        op.kind(),
        op.key(),
        op.value(),
        op.expectValue(),
        op.expectModRev(),
        op.invokeNanos(),
        op.completeNanos(),
        op.outcome(),
        op.readValue(),
        op.readModRev(),
        op.readCreateRev(),
        op.readVersion(),
        op.succeeded(),
        revision);
  }
}

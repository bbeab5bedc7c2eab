package dev.raftkv.compat;

import java.time.Duration;
import java.util.List;

/**
 * {@code etcdctl watch ...} in the background on each side while {@code during} steps run (each
 * compared as usual), then stopped once it printed {@code until} (at most 15 s); what the watch
 * printed must be equal after normalization. A watch that exits by itself (a compacted revision) is
 * compared as it ended.
 */
record WatchCase(CtlCase watch, String until, List<Step> during) implements Step {
  static WatchCase watch(CtlCase watch, String until, Step... during) {
    return new WatchCase(watch, until, List.of(during));
  }

  @Override
  public String name() {
    StringBuilder b = new StringBuilder(watch.name()).append(" while:");
    for (Step s : during) {
      b.append(" [").append(s.name().replaceFirst("^etcdctl ", "")).append(']');
    }
    return b.toString();
  }

  @Override
  public void run(ClusterSide expected, ClusterSide actual) throws Exception {
    try (Etcdctl.Running want = watch.startOn(expected);
        Etcdctl.Running got = watch.startOn(actual)) {
      for (Step s : during) {
        s.run(expected, actual);
      }
      if (!want.awaitOutput(until, Duration.ofSeconds(15))) {
        throw new AssertionError(
            "the case is wrong: etcd's watch never printed " + until + ": " + want.stop().all());
      }
      got.awaitOutput(until, Duration.ofSeconds(15));
      CtlCase.compare(name(), expected, want.stop(), actual, got.stop(), this::normalizedOutput);
    }
  }

  /** The exit code of a killed etcdctl says nothing; stdout and stderr are compared. */
  private String normalizedOutput(ClusterSide side, Etcdctl.Result r) {
    return "--- stdout\n"
        + watch.postProcess(side.normalizer.normalize(r.stdout()))
        + "--- stderr\n"
        + watch.postProcess(side.normalizer.normalize(r.stderr()));
  }
}

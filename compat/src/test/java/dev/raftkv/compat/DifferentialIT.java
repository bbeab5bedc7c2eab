package dev.raftkv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential test: seeded random puts, deletes, ranges, txns (valid and invalid),
 * compactions, leases and watches run against a real 3-member etcd and a 3-member raftkv, and every
 * answer must be the same apart from the headers' cluster id, member id and raft term (see {@link
 * DiffRunner} and {@link DiffOpGenerator}).
 *
 * <p>{@code -Draftkv.diff.seeds=N} (default 300) seeds of {@code -Draftkv.diff.ops=M} (default 30)
 * ops each run one after another against one pair of clusters, starting at {@code
 * -Draftkv.diff.first=S} (default 1). A mismatch fails with the seed, the op, both answers, the
 * seed's earlier ops and the command that replays the seed alone.
 */
class DifferentialIT {
  @TempDir Path dir;

  @Test
  void raftkvAnswersEveryRequestLikeEtcd() throws Exception {
    Binaries.requireEtcd();
    int seeds = Integer.getInteger("raftkv.diff.seeds", 300);
    long first = Long.getLong("raftkv.diff.first", 1L);
    int ops = Integer.getInteger("raftkv.diff.ops", 30);
    long started = System.nanoTime();
    try (RealEtcdCluster etcdCluster = RealEtcdCluster.start(dir.resolve("etcd"), 3);
        RaftkvCluster raftkvCluster = RaftkvCluster.start(dir.resolve("raftkv"), 3);
        DiffTarget etcd = new DiffTarget("etcd", etcdCluster.clientEndpoints().get(0));
        DiffTarget raftkv = new DiffTarget("raftkv", raftkvCluster.clientEndpoints().get(0));
        DiffRunner runner = new DiffRunner(etcd, raftkv, ops)) {
      long clustersUp = System.nanoTime();
      for (long seed = first; seed < first + seeds; seed++) {
        try {
          runner.runSeed(seed);
        } catch (DiffRunner.Mismatch m) {
          throw new AssertionError(m.getMessage());
        }
      }
      long done = System.nanoTime();
      int total = runner.opCounts().values().stream().mapToInt(Integer::intValue).sum();
      System.out.printf(
          "DifferentialIT: %d seeds, %d ops compared (%s), %d of them errors on both sides,"
              + " %d watch events compared, %d reads retried after UNAVAILABLE;"
              + " clusters up in %.1f s, seeds ran in %.1f s%n",
          seeds,
          total,
          runner.opCounts(),
          runner.errorAnswers(),
          runner.watchEvents(),
          runner.readRetries(),
          (clustersUp - started) / 1e9,
          (done - clustersUp) / 1e9);
      assertThat(total).isGreaterThanOrEqualTo(seeds * ops);
    }
  }
}

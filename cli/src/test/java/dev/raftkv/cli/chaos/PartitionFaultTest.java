package dev.raftkv.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shapes of the partitions (no process is started). */
class PartitionFaultTest {
  @TempDir Path dir;
  private LocalCluster cluster;

  @AfterEach
  void close() {
    cluster.close();
  }

  private Map<Integer, Set<Integer>> blocks(PartitionFault f) {
    Map<Integer, Set<Integer>> b = f.blocks();
    // Every cut is made at both ends.
    b.forEach(
        (a, cut) -> cut.forEach(x -> assertThat(b.get(x)).as("%d blocks %d", x, a).contains(a)));
    return b;
  }

  private static int talksTo(Map<Integer, Set<Integer>> b, int member) {
    return b.size() - 1 - b.get(member).size();
  }

  @Test
  void isolateCutsOneMemberFromAllOthersOnly() {
    cluster = new LocalCluster(dir, 5, 50, 500);
    Map<Integer, Set<Integer>> b = blocks(PartitionFault.isolate(cluster, 3, "test"));
    assertThat(b.get(3)).containsExactlyInAnyOrder(1, 2, 4, 5);
    assertThat(b.get(1)).containsExactly(3);
  }

  @Test
  void splitMakesAMinorityOfTwoAndAMajorityOfThree() {
    cluster = new LocalCluster(dir, 5, 50, 500);
    for (int seed = 0; seed < 20; seed++) {
      Map<Integer, Set<Integer>> b = blocks(PartitionFault.split(cluster, new Random(seed)));
      long minority = b.values().stream().filter(cut -> cut.size() == 3).count();
      long majority = b.values().stream().filter(cut -> cut.size() == 2).count();
      assertThat(minority).isEqualTo(2);
      assertThat(majority).isEqualTo(3);
    }
  }

  @Test
  void aBridgeTalksToEveryoneWhileTheSidesCannotTalk() {
    cluster = new LocalCluster(dir, 5, 50, 500);
    for (int seed = 0; seed < 20; seed++) {
      Map<Integer, Set<Integer>> b = blocks(PartitionFault.bridge(cluster, new Random(seed)));
      assertThat(b.values().stream().filter(Set::isEmpty).count()).isEqualTo(1);
      assertThat(b.values().stream().filter(cut -> cut.size() == 2).count()).isEqualTo(4);
    }
  }

  @Test
  void aRingLetsEachMemberTalkToItsTwoNeighbours() {
    cluster = new LocalCluster(dir, 5, 50, 500);
    for (int seed = 0; seed < 20; seed++) {
      Map<Integer, Set<Integer>> b = blocks(PartitionFault.ring(cluster, new Random(seed)));
      for (int m = 1; m <= 5; m++) {
        assertThat(talksTo(b, m)).isEqualTo(2);
      }
    }
  }
}

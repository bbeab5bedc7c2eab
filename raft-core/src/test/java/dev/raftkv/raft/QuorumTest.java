package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuorumTest {
  private static Map<Long, Progress> matches(long... m) {
    Map<Long, Progress> out = new HashMap<>();
    for (int i = 0; i < m.length; i++) {
      out.put((long) i + 1, new Progress(m[i], m[i] + 1, 4, 1 << 20, false));
    }
    return out;
  }

  @Test
  void committedIndexIsTheHighestIndexAMajorityReached() {
    assertThat(Quorum.committedIndex(Set.of(1L, 2L, 3L), matches(5, 3, 1))).isEqualTo(3);
    assertThat(Quorum.committedIndex(Set.of(1L, 2L, 3L, 4L, 5L), matches(9, 9, 2, 2, 7)))
        .isEqualTo(7);
    // An even count needs more than half: of 4, three must have it.
    assertThat(Quorum.committedIndex(Set.of(1L, 2L, 3L, 4L), matches(8, 6, 4, 2))).isEqualTo(4);
  }

  @Test
  void aVoterWithoutProgressCountsAsZero() {
    assertThat(Quorum.committedIndex(Set.of(1L, 2L, 3L), matches(5, 5))).isEqualTo(5);
    assertThat(Quorum.committedIndex(Set.of(1L, 2L, 3L), matches(5))).isEqualTo(0);
  }

  @Test
  void learnersNeverCountBecauseOnlyVotersAreAsked() {
    assertThat(Quorum.committedIndex(Set.of(1L), matches(3, 9, 9))).isEqualTo(3);
  }

  @Test
  void voteResultNeedsAMajorityEitherWay() {
    Set<Long> five = Set.of(1L, 2L, 3L, 4L, 5L);
    assertThat(Quorum.voteResult(five, Map.of(1L, true, 2L, true)))
        .isEqualTo(Quorum.VoteResult.PENDING);
    assertThat(Quorum.voteResult(five, Map.of(1L, true, 2L, true, 3L, true)))
        .isEqualTo(Quorum.VoteResult.WON);
    assertThat(Quorum.voteResult(five, Map.of(1L, true, 2L, false, 3L, false, 4L, false)))
        .isEqualTo(Quorum.VoteResult.LOST);
    assertThat(Quorum.voteResult(five, Map.of(1L, true, 9L, true, 8L, true)))
        .as("votes of non-voters are ignored")
        .isEqualTo(Quorum.VoteResult.PENDING);
  }
}

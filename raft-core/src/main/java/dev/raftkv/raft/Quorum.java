package dev.raftkv.raft;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/** Majority arithmetic over a set of voters. Pure functions. */
final class Quorum {
  private Quorum() {}

  /** The outcome of counting votes. */
  enum VoteResult {
    PENDING,
    WON,
    LOST
  }

  /** How many votes make a majority of {@code n} voters. */
  static int majority(int n) {
    return n / 2 + 1;
  }

  /**
   * The largest index that a majority of {@code voters} have reached, according to {@code matchOf}
   * (a voter missing from it counts as 0): the median of the match indexes (paper §5.3). Returns
   * {@code Long.MAX_VALUE} for an empty voter set, so it never holds a commit back.
   */
  static long committedIndex(Set<Long> voters, Map<Long, Progress> progress) {
    int n = voters.size();
    if (n == 0) {
      return Long.MAX_VALUE;
    }
    long[] matches = new long[n];
    int i = 0;
    for (long id : voters) {
      Progress p = progress.get(id);
      matches[i++] = p == null ? 0 : p.match;
    }
    Arrays.sort(matches);
    // After an ascending sort, the entry at n - majority has at least a majority at or above it.
    return matches[n - majority(n)];
  }

  /** Counts {@code votes} (id to granted) among {@code voters}. */
  static VoteResult voteResult(Set<Long> voters, Map<Long, Boolean> votes) {
    if (voters.isEmpty()) {
      return VoteResult.WON;
    }
    int granted = 0;
    int rejected = 0;
    for (long id : voters) {
      Boolean v = votes.get(id);
      if (v == null) {
        continue;
      }
      if (v) {
        granted++;
      } else {
        rejected++;
      }
    }
    int need = majority(voters.size());
    if (granted >= need) {
      return VoteResult.WON;
    }
    if (rejected > voters.size() - need) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }
}

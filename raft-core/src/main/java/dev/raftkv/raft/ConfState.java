package dev.raftkv.raft;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cluster membership: the voters, whose majority decides elections and commits, and the learners,
 * which receive the log but never vote or count for a quorum. The sets are disjoint.
 *
 * @param voters ids of voting members
 * @param learners ids of non-voting members
 */
public record ConfState(Set<Long> voters, Set<Long> learners) {
  /** No members at all (a node that learns its membership from a snapshot). */
  public static final ConfState EMPTY = new ConfState(Set.of(), Set.of());

  public ConfState {
    voters = Collections.unmodifiableSet(new TreeSet<>(voters));
    learners = Collections.unmodifiableSet(new TreeSet<>(learners));
    for (long id : voters) {
      if (id <= 0) {
        throw new IllegalArgumentException("member ids must be positive, got " + id);
      }
      if (learners.contains(id)) {
        throw new IllegalArgumentException("member " + id + " is both a voter and a learner");
      }
    }
    for (long id : learners) {
      if (id <= 0) {
        throw new IllegalArgumentException("member ids must be positive, got " + id);
      }
    }
  }

  /** A membership of voters only. */
  public static ConfState ofVoters(Set<Long> voters) {
    return new ConfState(voters, Set.of());
  }

  /** Whether {@code id} is a voter or a learner. */
  public boolean contains(long id) {
    return voters.contains(id) || learners.contains(id);
  }

  /** Every member, voters first, each set in ascending order. */
  public Set<Long> all() {
    TreeSet<Long> all = new TreeSet<>(voters);
    all.addAll(learners);
    return Collections.unmodifiableSet(all);
  }
}

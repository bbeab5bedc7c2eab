package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Role;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Raft safety properties (paper Figure 3), checked incrementally after every simulator event so
 * each check costs what changed, not the whole log:
 *
 * <ul>
 *   <li><b>Election Safety</b>: at most one leader per term;
 *   <li><b>Log Matching</b>: entries with the same index and term hold the same data and follow
 *       entries with the same term, so (by induction) the logs are identical up to there; checked
 *       on every entry a node persists;
 *   <li><b>Leader Completeness</b>: a leader's log holds every entry committed in earlier terms;
 *       checked when a node becomes leader and when a new commit is discovered;
 *   <li><b>State Machine Safety</b>: no two nodes commit or apply different entries at one index;
 *   <li>commit indexes never go backwards (in memory within a run of a node, and on disk ever),
 *       terms on disk never go backwards, and a persisted vote never changes within a term.
 * </ul>
 */
final class Invariants {
  private record Fingerprint(long prevTerm, int dataHash, int length) {}

  private record IndexTerm(long index, long term) {}

  private final Map<Long, Long> leaderOfTerm = new HashMap<>();
  private final Map<IndexTerm, Fingerprint> entries = new HashMap<>();

  /** The term of the entry committed at each index, where some node's log showed it. */
  private final Map<Long, Long> committedTerms = new HashMap<>();

  private long maxCommitted;

  private final Map<Long, Entry> appliedAt = new HashMap<>();
  private final Map<Long, Long> commitSeen = new HashMap<>();
  private final Map<Long, Role> roleSeen = new HashMap<>();
  private final Map<Long, HardState> diskHardState = new HashMap<>();
  private final Map<Long, NodeView> live = new HashMap<>();

  /** A node's disk was wiped to rejoin as a new member: its durable history restarts. */
  void nodeWiped(long id) {
    diskHardState.remove(id);
    commitSeen.remove(id);
    roleSeen.remove(id);
    live.remove(id);
  }

  /**
   * One membership change in flight (thesis §4.1): when a leader appends a change, every earlier
   * change in its log is already applied.
   */
  void confChangeAppended(long id, NodeView leader, Entry change, long applied) {
    long from = Math.max(applied + 1, leader.firstIndex());
    for (Entry e : leader.entries(from, change.index())) {
      if (e.type() == EntryType.CONF_CHANGE) {
        throw new InvariantViolation(
            "One membership change at a time",
            "leader "
                + id
                + " appended a change at "
                + change.index()
                + " while the change at "
                + e.index()
                + " was not applied (applied "
                + applied
                + ")");
      }
    }
  }

  void nodeStarted(long id, HardState persisted) {
    commitSeen.put(id, persisted.commit());
    roleSeen.put(id, Role.FOLLOWER);
  }

  int leaderTerms() {
    return leaderOfTerm.size();
  }

  long maxCommitted() {
    return maxCommitted;
  }

  /** Called after every event that touched {@code node}. */
  void observe(long id, NodeView node, Supplier<Map<Long, Long>> leaders) {
    live.put(id, node);
    Role role = node.role();
    long term = node.term();
    if (role == Role.LEADER) {
      Long prev = leaderOfTerm.putIfAbsent(term, id);
      if (prev != null && prev != id) {
        throw new InvariantViolation(
            "Election Safety", "nodes " + prev + " and " + id + " both lead term " + term);
      }
      if (roleSeen.get(id) != Role.LEADER) {
        // Entries below the leader's first index are covered by its snapshot (all committed).
        for (long i = Math.max(1, node.firstIndex()); i <= maxCommitted; i++) {
          Long t = committedTerms.get(i);
          if (t != null) {
            checkLeaderHas(id, node, i, t);
          }
        }
      }
    }
    roleSeen.put(id, role);

    long commit = node.commitIndex();
    long seen = commitSeen.getOrDefault(id, 0L);
    if (commit < seen) {
      throw new InvariantViolation(
          "Commit index never decreases",
          "node " + id + " commit went from " + seen + " to " + commit);
    }
    for (long i = Math.max(seen + 1, node.firstIndex()); i <= commit; i++) {
      long t = node.termAt(i);
      Long known = committedTerms.putIfAbsent(i, t);
      if (known != null) {
        if (known != t) {
          throw new InvariantViolation(
              "State Machine Safety",
              "node "
                  + id
                  + " committed index "
                  + i
                  + " term "
                  + t
                  + " but term "
                  + known
                  + " was committed there before");
        }
        continue;
      }
      maxCommitted = Math.max(maxCommitted, i);
      // A newly known commit must already be in the log of every leader of a later term.
      for (Map.Entry<Long, Long> l : leaders.get().entrySet()) {
        NodeView other = live.get(l.getKey());
        if (l.getValue() > t && other != null && other.firstIndex() <= i) {
          checkLeaderHas(l.getKey(), other, i, t);
        }
      }
    }
    commitSeen.put(id, commit);
  }

  private static void checkLeaderHas(long id, NodeView leader, long index, long term) {
    long have = leader.termAt(index);
    if (have != term) {
      throw new InvariantViolation(
          "Leader Completeness",
          "leader "
              + id
              + " of term "
              + leader.term()
              + " has term "
              + have
              + " at committed index "
              + index
              + " (committed term "
              + term
              + ")");
    }
  }

  /** Log Matching, checked on each entry as it becomes durable on a node. */
  void persisted(long id, MemoryStorage disk, List<Entry> written) {
    for (Entry e : written) {
      if (e.index() < disk.firstIndex()) {
        continue; // already covered by the node's snapshot
      }
      long prevTerm = disk.term(e.index() - 1);
      Fingerprint fp = new Fingerprint(prevTerm, Arrays.hashCode(e.data()), e.data().length);
      Fingerprint known = entries.putIfAbsent(new IndexTerm(e.index(), e.term()), fp);
      if (known != null && !known.equals(fp) && known.prevTerm() >= 0 && prevTerm >= 0) {
        throw new InvariantViolation(
            "Log Matching",
            "node "
                + id
                + " holds entry "
                + e.index()
                + "/"
                + e.term()
                + " "
                + fp
                + " but another node holds "
                + known);
      }
    }
  }

  void hardStatePersisted(long id, HardState hs) {
    HardState prev = diskHardState.put(id, hs);
    if (prev == null) {
      return;
    }
    if (hs.term() < prev.term()) {
      throw new InvariantViolation(
          "Durable term never decreases", "node " + id + ": " + prev + " then " + hs);
    }
    if (hs.term() == prev.term() && prev.vote() != 0 && hs.vote() != prev.vote()) {
      throw new InvariantViolation(
          "One vote per term", "node " + id + " changed its vote: " + prev + " then " + hs);
    }
    if (hs.commit() < prev.commit()) {
      throw new InvariantViolation(
          "Durable commit never decreases", "node " + id + ": " + prev + " then " + hs);
    }
  }

  /** State Machine Safety: every node applies the same entry at each index. */
  void applied(long id, Entry e) {
    Entry known = appliedAt.putIfAbsent(e.index(), e);
    if (known != null && !known.equals(e)) {
      throw new InvariantViolation(
          "State Machine Safety",
          "node "
              + id
              + " applied "
              + e
              + " at index "
              + e.index()
              + " where "
              + known
              + " was applied elsewhere");
    }
  }

  /** At the end of a run: every node's applied sequence is a prefix of the longest one. */
  void checkAppliedPrefixes(
      Collection<Long> ids, Function<Long, List<String>> applied, Consumer<String> onProblem) {
    List<String> longest = List.of();
    for (long id : ids) {
      List<String> a = applied.apply(id);
      if (a.size() > longest.size()) {
        longest = a;
      }
    }
    for (long id : ids) {
      List<String> a = applied.apply(id);
      if (!longest.subList(0, a.size()).equals(a)) {
        onProblem.accept("node " + id + " applied a sequence that is not a prefix of the others");
      }
    }
  }
}

package dev.raftkv.raft.paper;

import dev.raftkv.raft.Describe;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Role;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Paper Figure 3, "Raft guarantees that each of these properties is true at all times", checked
 * after every event of a seeded random run on {@link Net}: deliveries in random order, lost and
 * duplicated messages, ticks, proposals and restarts, under every PreVote/CheckQuorum setting; then
 * a calm period after which the cluster must have converged. It runs a twentieth of {@code
 * -Draftkv.sim.seeds} seeds (at least 20), so the soak profile scales it too.
 */
class Figure3PropertiesTest {

  private static final int STEPS = 3000;

  @Test
  void figure3PropertiesHoldUnderRandomSchedules() {
    // This exhaustive check costs ~20 times a simulator seed: run a twentieth as many seeds.
    int seeds = Math.max(20, Integer.getInteger("raftkv.sim.seeds", 400) / 20);
    for (long seed = 0; seed < seeds; seed++) {
      new Run(seed).run();
    }
  }

  private static final class Run {
    final long seed;
    final Random r;
    final int n;
    final boolean preVote;
    final boolean checkQuorum;
    final Net net;
    final Deque<String> trace = new ArrayDeque<>();

    /** Election Safety: the leader seen in each term. */
    final Map<Long, Long> leaderOfTerm = new HashMap<>();

    /** State Machine Safety: the entry applied at each index, and a term it was committed by. */
    final Map<Long, Entry> applied = new HashMap<>();

    final Map<Long, Long> committedBy = new HashMap<>();

    /** Leader Append-Only: each leader's log (terms by index) when last seen, with its term. */
    final Map<Long, long[]> leaderLog = new HashMap<>();

    final Map<Long, Long> leaderLogTerm = new HashMap<>();

    Run(long seed) {
      this.seed = seed;
      this.r = new Random(seed);
      this.n = 3 + 2 * r.nextInt(2);
      this.preVote = r.nextBoolean();
      this.checkQuorum = r.nextBoolean();
      int maxInflight = 1 + r.nextInt(4);
      this.net =
          Net.of(
              n,
              seed,
              c ->
                  c.withPreVoteAndCheckQuorum(preVote, checkQuorum)
                      .withFlowControl(maxInflight, 100));
    }

    void log(String s) {
      trace.addLast(s);
      if (trace.size() > 80) {
        trace.removeFirst();
      }
    }

    void run() {
      int proposals = 0;
      for (int step = 0; step < STEPS; step++) {
        int k = r.nextInt(100);
        long id = 1L + r.nextInt(n);
        if (k < 45 && net.inFlightCount() > 0) {
          Message m = net.takeInFlight(r.nextInt(net.inFlightCount()));
          if (r.nextInt(10) == 0) {
            log(step + ": lost " + Describe.message(m));
            continue;
          }
          if (r.nextInt(20) == 0) {
            net.send(m);
          }
          log(step + ": " + Describe.message(m));
          net.deliver(m);
        } else if (k < 80) {
          net.tick(id);
        } else if (k < 95) {
          try {
            net.node(id).propose(Net.data("p" + proposals++));
            net.process(id);
          } catch (ProposalRejectedException e) {
            // no leader known: a client would retry
          }
        } else if (k < 97) {
          log(step + ": restart " + id);
          net.restart(id);
          net.process(id);
        } else {
          log(step + ": all in-flight messages lost");
          net.clearInFlight();
        }
        check(step);
      }
      net.heal();
      for (int i = 0; i < 300; i++) {
        net.tickAll(1);
        check(STEPS + i);
      }
      long leaders = net.ids().stream().filter(i -> net.node(i).role() == Role.LEADER).count();
      long maxLast = net.ids().stream().mapToLong(i -> net.node(i).lastIndex()).max().orElse(0);
      for (long i : net.ids()) {
        RaftNode nd = net.node(i);
        if (leaders != 1 || nd.lastIndex() != maxLast || nd.commitIndex() != maxLast) {
          fail("no convergence after a calm period");
        }
      }
    }

    void check(int step) {
      long maxTerm = net.ids().stream().mapToLong(i -> net.node(i).term()).max().orElse(0);
      for (long id : net.ids()) {
        RaftNode nd = net.node(id);
        if (nd.role() == Role.LEADER) {
          // Election Safety: "at most one leader can be elected in a given term."
          Long prev = leaderOfTerm.putIfAbsent(nd.term(), id);
          if (prev != null && prev != id) {
            fail(step, "Election Safety: " + prev + " and " + id + " lead term " + nd.term());
          }
          checkAppendOnly(step, id, nd);
          // Leader Completeness: "if a log entry is committed in a given term, then that entry
          // will be present in the logs of the leaders for all higher-numbered terms."
          for (Map.Entry<Long, Entry> c : applied.entrySet()) {
            if (nd.term() > committedBy.get(c.getKey())) {
              List<Entry> e = nd.entries(c.getKey(), c.getKey() + 1);
              if (e.isEmpty() || !e.get(0).equals(c.getValue())) {
                fail(step, "Leader Completeness: leader " + id + " lacks " + c.getValue());
              }
            }
          }
        } else {
          leaderLog.remove(id);
        }
        // State Machine Safety: "if a server has applied a log entry at a given index to its
        // state machine, no other server will ever apply a different log entry for that index."
        for (Entry e : net.applied(id)) {
          Entry old = applied.putIfAbsent(e.index(), e);
          if (old == null) {
            committedBy.put(e.index(), maxTerm);
          } else if (!old.equals(e)) {
            fail(step, "State Machine Safety: " + id + " applied " + e + ", another " + old);
          }
        }
      }
      // Log Matching: "if two logs contain an entry with the same index and term, then the logs
      // are identical in all entries up through the given index."
      for (long a : net.ids()) {
        for (long b : net.ids()) {
          if (a < b) {
            checkLogMatching(step, a, b);
          }
        }
      }
    }

    /** Leader Append-Only: "a leader never overwrites or deletes entries in its log." */
    void checkAppendOnly(int step, long id, RaftNode nd) {
      long[] now = new long[(int) nd.lastIndex() + 1];
      for (int i = 1; i < now.length; i++) {
        now[i] = nd.termAt(i);
      }
      long[] before = leaderLog.get(id);
      if (before != null && leaderLogTerm.get(id) == nd.term()) {
        if (now.length < before.length) {
          fail(step, "Leader Append-Only: leader " + id + " log shrank");
        }
        for (int i = 1; i < before.length; i++) {
          if (before[i] != now[i]) {
            fail(step, "Leader Append-Only: leader " + id + " changed index " + i);
          }
        }
      }
      leaderLog.put(id, now);
      leaderLogTerm.put(id, nd.term());
    }

    void checkLogMatching(int step, long a, long b) {
      RaftNode x = net.node(a);
      RaftNode y = net.node(b);
      boolean matched = false;
      for (long i = Math.min(x.lastIndex(), y.lastIndex()); i >= 1; i--) {
        if (!matched && x.termAt(i) != 0 && x.termAt(i) == y.termAt(i)) {
          matched = true;
        }
        if (matched && !x.entries(i, i + 1).equals(y.entries(i, i + 1))) {
          fail(step, "Log Matching: " + a + " and " + b + " differ at " + i);
        }
      }
    }

    void fail(int step, String what) {
      fail(what + " at step " + step);
    }

    void fail(String what) {
      throw new AssertionError(
          what
              + " (seed "
              + seed
              + ", preVote="
              + preVote
              + ", checkQuorum="
              + checkQuorum
              + ")\n"
              + net.statuses()
              + "\nlast events:\n"
              + String.join("\n", trace));
    }
  }
}

package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.Status;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The checks of a {@link DriverSimulation}, fed by what its members do: {@link Invariants} after
 * every event that touched a member and on everything its disk makes durable, State Machine Safety
 * on everything a machine applies or restores. A violation raised inside a callback that {@code
 * NodeDriver} or a {@code CompletableFuture} would swallow is kept by {@link #deferring} and thrown
 * by {@link #throwDeferred} after the event.
 */
final class DriverChecks {
  private final Invariants invariants = new Invariants();
  private final int foundingMembers;
  private final Consumer<String> count;

  /** The value applied at each index anywhere (State Machine Safety of snapshot contents too). */
  private final Map<Long, String> valueAt = new HashMap<>();

  /** Indexes of membership changes after the founding ones that some member applied. */
  private final Set<Long> confChangesApplied = new HashSet<>();

  /** The first violation seen inside a callback, not thrown yet. */
  private InvariantViolation deferred;

  /**
   * @param foundingMembers the founding voters, whose membership entries open every log
   * @param count counts what happened, by name
   */
  DriverChecks(int foundingMembers, Consumer<String> count) {
    this.foundingMembers = foundingMembers;
    this.count = count;
  }

  /** A member started from {@code persisted}; {@code node} is its view. */
  void started(long id, HardState persisted, NodeView node, Supplier<Map<Long, Long>> leaders) {
    invariants.nodeStarted(id, persisted);
    invariants.observe(id, node, leaders);
  }

  /**
   * After an event that touched {@code p}: the invariants, and one membership change at a time for
   * the changes it appended while leading.
   */
  void observe(long id, DriverMember.Incarnation p, Supplier<Map<Long, Long>> leaders) {
    invariants.observe(id, p, leaders);
    Status st = p.status();
    if (st.role() == Role.LEADER) {
      for (Entry e : p.confChangesBuffered) {
        if (e.term() == st.term()) {
          invariants.confChangeAppended(id, p, e, st.applied());
        }
      }
    }
    p.confChangesBuffered.clear();
  }

  int leaderTerms() {
    return invariants.leaderTerms();
  }

  /** Runs {@code check}, keeping the first violation instead of throwing it. */
  void deferring(Runnable check) {
    try {
      check.run();
    } catch (InvariantViolation e) {
      if (deferred == null) {
        deferred = e;
      }
    }
  }

  /** Throws the violation kept by {@link #deferring}, if any. */
  void throwDeferred() {
    if (deferred != null) {
      InvariantViolation e = deferred;
      deferred = null;
      throw e;
    }
  }

  /** What member {@code m}'s disk reports: Log Matching and the durable hard state rules. */
  SimLogStore.Listener disk(DriverMember m) {
    return new SimLogStore.Listener() {
      @Override
      public void entriesDurable(MemoryStorage durable, List<Entry> written) {
        deferring(() -> invariants.persisted(m.id, durable, written));
      }

      @Override
      public void hardStateDurable(HardState hardState) {
        deferring(() -> invariants.hardStatePersisted(m.id, hardState));
      }

      @Override
      public void entriesBuffered(List<Entry> entries) {
        for (Entry e : entries) {
          if (e.type() == EntryType.CONF_CHANGE && m.process != null) {
            m.process.confChangesBuffered.add(e);
          }
        }
      }

      @Override
      public void snapshotDurable(Snapshot snap, boolean fromLeader) {
        count.accept(fromLeader ? "snapshots-installed" : "snapshots-taken");
      }

      @Override
      public void crashedInSync() {
        // The process dies here: nothing after this point of the loop may reach the world.
        m.process.alive = false;
        count.accept("crashes-in-sync");
      }
    };
  }

  /** What member {@code id}'s state machine reports: State Machine Safety. */
  SimStateMachine.Listener machine(long id) {
    return new SimStateMachine.Listener() {
      @Override
      public void applied(Entry e) {
        invariants.applied(id, e);
        if (e.type() == EntryType.CONF_CHANGE
            && e.index() > foundingMembers
            && confChangesApplied.add(e.index())) {
          count.accept("conf-changes-applied");
        }
        if (e.type() == EntryType.NORMAL && e.data().length > 0) {
          checkValueAt(e.index(), new String(e.data(), StandardCharsets.UTF_8));
        }
      }

      @Override
      public void checkpointGone(long index) {
        // The log store held a snapshot whose checkpoint the machine had already deleted: a
        // follower that needed it could not be sent it (the KV store logs an error), and a
        // restart from it would fail.
        // (SnapshotSending catches what the machine throws, so the violation is deferred.)
        deferring(
            () -> {
              throw new InvariantViolation(
                  "A kept snapshot's checkpoint exists",
                  "member " + id + " was asked for checkpoint " + index + ", which it had deleted");
            });
      }

      @Override
      public void restored(long index, List<SimStateMachine.Write> writes) {
        count.accept("machine-restores");
        for (SimStateMachine.Write w : writes) {
          checkValueAt(w.index(), w.value());
        }
      }
    };
  }

  private void checkValueAt(long index, String value) {
    String known = valueAt.putIfAbsent(index, value);
    if (known != null && !known.equals(value)) {
      throw new InvariantViolation(
          "State Machine Safety",
          "index " + index + " holds " + value + " on one member and " + known + " on another");
    }
  }
}

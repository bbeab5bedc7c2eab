package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.NodeDriver;
import java.util.ArrayList;
import java.util.List;

/**
 * One member of a {@link DriverSimulation}: what survives a crash (its durable log and its state
 * machine's durable copy) and the process running now, if any.
 */
final class DriverMember {
  final long id;

  /** The durable log: what the next incarnation opens. */
  MemoryStorage disk;

  /** The state machine's durable copy. */
  final SimStateMachine.Disk machineDisk = new SimStateMachine.Disk();

  /** The running process, or null while down. */
  Incarnation process;

  /** Incarnations started so far (0: never ran, so no disk worth restarting from). */
  int incarnations;

  DriverMember(long id, MemoryStorage disk) {
    this.id = id;
    this.disk = disk;
  }

  boolean up() {
    return process != null;
  }

  /**
   * One incarnation: a {@link NodeDriver} on its store and machine, with its apply and snapshot
   * threads. Once {@link #alive} is false (a crash, also one in the middle of a sync) nothing it
   * does may reach the world: its messages are dropped and its threads' work is discarded.
   */
  static final class Incarnation implements NodeView {
    final int number;
    final SimLogStore store;
    final SimStateMachine machine;
    NodeDriver driver;

    /** The apply thread and the snapshot thread. */
    SimThread applier;

    SimThread snapshotter;

    /** Membership changes buffered since the last check (One membership change at a time). */
    final List<Entry> confChangesBuffered = new ArrayList<>();

    boolean alive = true;
    boolean pumpScheduled;

    /** The node loop is in its fsync until then: what arrives meanwhile shares the next one. */
    long busyUntil;

    Incarnation(int number, SimLogStore store, SimStateMachine machine) {
      this.number = number;
      this.store = store;
      this.machine = machine;
    }

    Status status() {
      return driver.status();
    }

    boolean leads() {
      return status().role() == Role.LEADER;
    }

    // NodeView: the driver's status and, once its Readys are carried out, the node's whole log in
    // the store.

    @Override
    public Role role() {
      return status().role();
    }

    @Override
    public long term() {
      return status().term();
    }

    @Override
    public long commitIndex() {
      return status().commit();
    }

    @Override
    public long firstIndex() {
      return store.firstIndex();
    }

    @Override
    public long termAt(long index) {
      if (index < store.firstIndex() - 1 || index > store.lastIndex()) {
        return 0;
      }
      return store.term(index);
    }

    @Override
    public List<Entry> entries(long lo, long hi) {
      long to = Math.min(hi, store.lastIndex() + 1);
      return lo >= to ? List.of() : store.entries(lo, to, Long.MAX_VALUE);
    }
  }
}

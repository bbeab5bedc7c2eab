package dev.raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency: a workload of appends, conflicting-suffix truncations, hard-state changes,
 * syncs (both kinds), snapshots, compactions and snapshots from a leader runs on {@link SimFileIo},
 * which crashes it at every mutating file operation in turn (a crashing write keeps a random prefix
 * of its bytes). The restarted storage, opened on the durable images plus a random in-order prefix
 * of the unforced writes, must hold exactly the state after some prefix of the records written, and
 * that prefix must include every record whose sync had completed.
 */
class CrashConsistencyTest {
  static final Path DIR = Path.of("/sim/data");
  static final ConfState CONF = ConfState.ofVoters(Set.of(1L, 2L, 3L));

  @BeforeAll
  static void quiet() {
    Logger.getLogger("dev.raftkv.storage").setLevel(Level.OFF);
  }

  /** The state after a number of records: the whole log from index 1, and the hard state. */
  record State(List<Entry> log, HardState hs) {}

  /** A workload run: the states after each record and how many records were acknowledged. */
  static final class Run {
    final List<State> states = new ArrayList<>();
    int acked;
  }

  static StorageOptions options(SimFileIo io) {
    return new StorageOptions(1024, 8L << 20, io);
  }

  static Run workload(SimFileIo io, long seed) {
    Run run = new Run();
    Random r = new Random(seed);
    List<Entry> log = new ArrayList<>();
    HardState hs = HardState.EMPTY;
    run.states.add(new State(List.of(), hs));
    DiskStorage s;
    try {
      s = DiskStorage.open(DIR, options(io), 7, 1, CONF);
    } catch (RuntimeException e) {
      return run;
    }
    run.acked = 0;
    try {
      long term = 1;
      hs = new HardState(term, 1, 0);
      s.setHardState(hs);
      run.states.add(new State(List.copyOf(log), hs));
      for (int step = 0; step < 30; step++) {
        long start = log.size() + 1L;
        if (r.nextInt(6) == 0 && log.size() > hs.commit()) {
          start = hs.commit() + 1 + r.nextInt((int) (log.size() - hs.commit()));
          term++;
          hs = new HardState(term, 2, hs.commit());
          s.setHardState(hs);
          run.states.add(new State(List.copyOf(log), hs));
        }
        List<Entry> batch = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
          byte[] data = new byte[r.nextInt(120)];
          r.nextBytes(data);
          batch.add(Entry.normal(term, start + i, data));
        }
        s.append(batch);
        for (Entry e : batch) {
          while (log.size() >= e.index()) {
            log.remove(log.size() - 1);
          }
          log.add(e);
          run.states.add(new State(List.copyOf(log), hs));
        }
        if (r.nextBoolean()) {
          hs = new HardState(term, hs.vote(), Math.max(hs.commit(), r.nextInt(log.size() + 1)));
          s.setHardState(hs);
          run.states.add(new State(List.copyOf(log), hs));
        }
        if (r.nextInt(3) > 0) {
          int before = run.states.size() - 1;
          if (r.nextBoolean()) {
            s.sync().join();
          } else {
            s.syncNow();
          }
          run.acked = before;
        }
        if (r.nextInt(12) == 0) {
          // A snapshot from the leader beyond our log replaces it.
          long si = log.size() + 1L + r.nextInt(5);
          List<Entry> covered = new ArrayList<>();
          for (long i = 1; i <= si; i++) {
            covered.add(Entry.normal(term, i, null)); // placeholders: only the term of si counts
          }
          // The model moves first: the snapshot may become durable even if the call fails.
          log.clear();
          log.addAll(covered);
          run.states.add(new State(List.copyOf(log), hs)); // the SNAPSHOT record
          run.states.add(new State(List.copyOf(log), hs)); // the CONF record
          hs = new HardState(hs.term(), hs.vote(), si);
          run.states.add(new State(List.copyOf(log), hs)); // the HARD_STATE record
          s.applySnapshot(new Snapshot(new SnapshotMetadata(si, term, CONF), new byte[] {3}));
          run.acked = run.states.size() - 1; // applySnapshot returns once all of it is durable
        } else if (r.nextInt(8) == 0 && hs.commit() > s.snapshot().metadata().index()) {
          // The state machine snapshots at the commit index; the log is compacted behind it.
          long c = hs.commit();
          s.saveSnapshot(
              new Snapshot(new SnapshotMetadata(c, log.get((int) c - 1).term(), CONF), null));
          s.compact(c);
        }
      }
      s.close();
      run.acked = run.states.size() - 1;
    } catch (StorageFailedException | CompletionException e) {
      // The simulated machine crashed.
    }
    return run;
  }

  @Test
  void everyCrashPointRecoversAPrefixHoldingEveryAcknowledgedRecord() {
    int crashes = 0;
    // More workloads: -Draftkv.storage.crashSeeds=50 (each seed is a different workload).
    long seeds = Long.getLong("raftkv.storage.crashSeeds", 3);
    for (long seed = 1; seed <= seeds; seed++) {
      // Segments are preallocated on a background thread, so the number of file operations
      // varies a little between runs: crash at every operation until a run completes uncrashed.
      for (int op = 0; ; op++) {
        boolean crashed = false;
        for (int variant = 0; variant < 2; variant++) {
          SimFileIo io = new SimFileIo(seed * 1000 + op).crashAt(op);
          Run run = workload(io, seed);
          if (io.crashed()) {
            crashed = true;
            SimFileIo after = io.afterCrash(seed * 7919 + op * 31L + variant);
            check(after, run, "seed " + seed + " crash at op " + op + " variant " + variant);
            crashes++;
          }
        }
        if (!crashed) {
          assertThat(op).isGreaterThan(50);
          break;
        }
      }
    }
    assertThat(crashes).isGreaterThan(300);
  }

  static void check(SimFileIo after, Run run, String what) {
    DiskStorage s;
    try {
      s = DiskStorage.open(DIR, options(after), 7, 1, CONF);
    } catch (RuntimeException e) {
      throw new AssertionError(what + ": recovery failed: " + e, e);
    }
    List<Entry> got =
        s.lastIndex() >= s.firstIndex()
            ? s.entries(s.firstIndex(), s.lastIndex() + 1, Long.MAX_VALUE)
            : List.of();
    HardState hs = s.initialState().hardState();
    long first = s.firstIndex();
    for (int j = run.states.size() - 1; j >= run.acked; j--) {
      State st = run.states.get(j);
      // A snapshot holds committed entries only, so recovery raises the commit index to the
      // snapshot's index when the newer hard state had not reached the disk.
      boolean hsMatches =
          st.hs.equals(hs)
              || (st.hs.term() == hs.term()
                  && st.hs.vote() == hs.vote()
                  && st.hs.commit() < first - 1
                  && hs.commit() == first - 1);
      if (hsMatches
          && st.log.size() == s.lastIndex()
          && first - 1 <= hs.commit()
          && st.log.subList((int) first - 1, st.log.size()).equals(got)
          && (first == 1 || s.term(first - 1) == st.log.get((int) first - 2).term())) {
        State acked = run.states.get(run.acked);
        assertThat(hs.term())
            .as(what + ": hard state went back")
            .isGreaterThanOrEqualTo(acked.hs.term());
        assertThat(hs.commit())
            .as(what + ": commit went back")
            .isGreaterThanOrEqualTo(acked.hs.commit());
        // Recovery is idempotent and the recovered storage accepts more writes.
        s.append(List.of(Entry.normal(hs.term() + 1, s.lastIndex() + 1, new byte[] {1})));
        s.sync().join();
        s.close();
        return;
      }
    }
    s.close();
    fail(
        what
            + ": recovered "
            + got.size()
            + " entries "
            + hs
            + " is not the state after any prefix of at least "
            + run.acked
            + " records (first index "
            + first
            + ", snapshot "
            + s.snapshot().metadata()
            + ", "
            + run.states.size()
            + " states, last "
            + run.states.get(run.states.size() - 1)
            + "); acked state "
            + run.states.get(run.acked));
  }
}

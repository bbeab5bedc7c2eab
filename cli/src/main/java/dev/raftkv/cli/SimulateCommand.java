package dev.raftkv.cli;

import dev.raftkv.testkit.sim.SimulationRunner;
import dev.raftkv.testkit.sim.SimulationRunner.Loop;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftkv simulate}: runs the deterministic simulator over many seeds. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the seeded Raft simulator: each seed is a random schedule of proposals and reads,"
          + " message loss, duplication and delay, partitions (one node, the leader, a minority, a"
          + " ring, a bridge, one-way), crashes that lose unsynced writes"
          + " (of any member and of the leader), restarts, snapshots, leadership transfers and"
          + " membership changes, checked after every event for Election Safety, Log Matching,"
          + " Leader Completeness, State Machine Safety, monotonic commit, durable term and vote"
          + " rules, one membership change at a time and linearizable reads; then the network"
          + " heals and a leader and a new write applied everywhere are required within 10"
          + " election timeouts.",
      "--loop production (the default) runs the node loop the server ships, NodeDriver with its"
          + " apply and snapshot threads, on a simulated disk that keeps durable and buffered"
          + " writes apart: a crash loses what was not synced, a crash in the middle of a sync"
          + " keeps a torn prefix, and the state machine's durable copy lags (as the KV store's"
          + " does), so a restart replays the log. It also checks that no entry is applied twice,"
          + " that a proposal completes with its own entry, and in the end that every"
          + " acknowledged write is applied on every member and all members applied the same"
          + " sequence.",
      "--loop core runs the simulator's own Ready loop around RaftNode instead (each Ready's"
          + " write lands after a random disk delay and a crash in between loses it), to check"
          + " the algorithm apart from the loop.",
      "Ends with the line 'N passed, M failed'. A failure prints the seed, the broken"
          + " property, the last events and the command that replays it."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every seed passed", "1:a seed failed", "2:bad usage"})
final class SimulateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--loop",
      defaultValue = "production",
      paramLabel = "production|core",
      converter = LoopConverter.class,
      description =
          "The node loop to run: production (NodeDriver, as the server runs it) or core (the"
              + " simulator's own loop around RaftNode). Default: ${DEFAULT-VALUE}.")
  Loop loop;

  @Option(
      names = "--seeds",
      defaultValue = "100",
      description = "How many seeds to run (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(
      names = "--start",
      defaultValue = "1",
      description = "The first seed (default: ${DEFAULT-VALUE}).")
  long start;

  @Option(
      names = "--nodes",
      defaultValue = "0",
      description = "Cluster size: 3, 5 or 7; 0 rotates through all three by seed (default).")
  int nodes;

  @Option(
      names = "--steps",
      defaultValue = "500",
      description =
          "Ticks of simulated time (10 ms each) in each seed's fault phase (default: ${DEFAULT-VALUE}).")
  int steps;

  /** Accepts the loop's lower-case name. */
  static final class LoopConverter implements CommandLine.ITypeConverter<Loop> {
    @Override
    public Loop convert(String value) {
      for (Loop l : Loop.values()) {
        if (l.flag().equals(value)) {
          return l;
        }
      }
      throw new CommandLine.TypeConversionException(
          "--loop must be production or core, got " + value);
    }
  }

  @Override
  public Integer call() {
    if (seeds <= 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--seeds must be positive, got " + seeds);
    }
    if (nodes != 0 && nodes != 3 && nodes != 5 && nodes != 7) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--nodes must be 3, 5 or 7, got " + nodes);
    }
    if (steps <= 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--steps must be positive, got " + steps);
    }
    SimulationRunner.Summary summary =
        SimulationRunner.run(loop, start, seeds, nodes, steps, System.out);
    return summary.ok() ? 0 : 1;
  }
}

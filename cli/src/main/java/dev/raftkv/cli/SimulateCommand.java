package dev.raftkv.cli;

import dev.raftkv.testkit.sim.SimulationRunner;
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
          + " message loss, duplication and delay, partitions (one node, minority/majority, ring,"
          + " bridge, one-way), crashes that lose unpersisted writes, snapshots, leadership"
          + " transfers and membership changes, checked after every event for Election Safety,"
          + " Log Matching, Leader Completeness, State Machine Safety, monotonic commit, one"
          + " membership change at a time and linearizable reads; then the network heals and a"
          + " leader and a new commit are required within 10 election timeouts.",
      "Ends with the line 'N passed, M failed'. A failure prints the seed, the broken"
          + " property, the last events and the command that replays it."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every seed passed", "1:a seed failed", "2:bad usage"})
final class SimulateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
    SimulationRunner.Summary summary = SimulationRunner.run(start, seeds, nodes, steps, System.out);
    return summary.ok() ? 0 : 1;
  }
}

package dev.raftkv.cli;

import ch.qos.logback.classic.Level;
import dev.raftkv.cli.logging.Logging;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code raftkv} command. Exit codes: 0 success, 1 a check failed, 2 bad usage. */
@Command(
    name = "raftkv",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A Raft consensus library and replicated key-value store.",
    subcommands = {
      ServerCommand.class,
      ClusterCommand.class,
      KvVerbs.Put.class,
      KvVerbs.Get.class,
      KvVerbs.Del.class,
      StatusCommand.class,
      BenchCommand.class,
      AdminCommand.class,
      ChaosCommand.class,
      SimulateCommand.class,
      CheckCommand.class,
      SnapshotCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** Runs the command line and returns its exit code. */
  public static int execute(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  public static void main(String[] args) {
    // info and above on stderr, one line each, gRPC's java.util.logging included; `raftkv
    // server` sets its own level and format (--log-level, --log-format)
    Logging.configure(Level.INFO, Logging.Format.TEXT, System.err);
    System.exit(execute(args));
  }
}

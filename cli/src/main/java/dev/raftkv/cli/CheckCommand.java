package dev.raftkv.cli;

import dev.raftkv.testkit.lin.CheckResult;
import dev.raftkv.testkit.lin.LinearizabilityChecker;
import dev.raftkv.testkit.lin.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code raftkv check HISTORY}: checks a recorded history for linearizability. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Checks a history of key-value operations (JSON lines, see docs/history-format.md) for"
          + " linearizability against etcd's data model, key by key (Wing & Gong search with"
          + " Lowe's memoisation). Prints 'linearizable', or the smallest failing key with the"
          + " operations involved, or 'unknown' when the time budget runs out."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:linearizable",
      "1:not linearizable",
      "2:bad usage or unreadable history",
      "3:unknown (budget exceeded)"
    })
final class CheckCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "HISTORY", description = "The history file (JSON lines).")
  Path history;

  @Option(
      names = "--budget",
      defaultValue = "60s",
      description =
          "How long to search before answering 'unknown', e.g. 30s or 5m (default: ${DEFAULT-VALUE}).")
  String budget;

  @Override
  public Integer call() {
    Duration limit = parseDuration(budget);
    if (!Files.isReadable(history)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "cannot read history file " + history);
    }
    CheckResult result;
    try {
      result = LinearizabilityChecker.checkFile(history, limit);
    } catch (IOException e) {
      spec.commandLine().getErr().println("raftkv check: " + e.getMessage());
      return 2;
    }
    System.out.println(result.describe());
    if (result.verdict() == Verdict.LINEARIZABLE) {
      return 0;
    }
    return result.verdict() == Verdict.NOT_LINEARIZABLE ? 1 : 3;
  }

  private Duration parseDuration(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--budget " + e.getMessage());
    }
  }
}

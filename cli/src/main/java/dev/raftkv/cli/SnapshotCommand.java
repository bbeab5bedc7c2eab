package dev.raftkv.cli;

import dev.raftkv.server.ServerConfig;
import dev.raftkv.server.SnapshotRestore;
import dev.raftkv.server.SnapshotStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftkv snapshot status|restore}: etcdutl's offline snapshot commands for a file saved by
 * {@code etcdctl snapshot save} from raftkv (raftkv's format, which etcd's tools do not read).
 */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Reads or restores a snapshot file saved by 'etcdctl snapshot save' from raftkv.",
    subcommands = {SnapshotCommand.Status.class, SnapshotCommand.Restore.class})
final class SnapshotCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing command: status or restore");
  }

  /** {@code raftkv snapshot status FILE}: etcdutl's {@code snapshot status}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Prints the snapshot's hash, revision, total keys and total size, as 'etcdutl snapshot"
              + " status' does.",
      exitCodeListHeading = "Exit codes:%n",
      exitCodeList = {"0:printed", "1:the file cannot be read as a raftkv snapshot", "2:bad usage"})
  static final class Status implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file.")
    Path file;

    @Option(
        names = {"-w", "--write-out"},
        defaultValue = "simple",
        description = "simple, table or json (default: ${DEFAULT-VALUE}), as etcdctl's.")
    String writeOut;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (!List.of("simple", "table", "json").contains(writeOut)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--write-out: '" + writeOut + "' is not simple, table or json");
      }
      SnapshotStatus s;
      try {
        s = SnapshotStatus.of(file);
      } catch (IOException | RuntimeException e) {
        err.println("Error: " + e.getMessage());
        return 1;
      }
      out.print(SnapshotPrinter.print(s, writeOut));
      out.flush();
      return 0;
    }
  }

  /** {@code raftkv snapshot restore FILE ...}: etcdutl's {@code snapshot restore}. */
  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      description = {
        "Builds one member's data dir for a NEW cluster from the snapshot file: every key at its"
            + " revision, leases and auth as saved; a new cluster id (from"
            + " --initial-cluster-token and the members) and the membership of --initial-cluster."
            + " Run it once per member with that member's --name, then start each with 'raftkv"
            + " server' and the same --name, --initial-cluster, --initial-cluster-token,"
            + " --initial-advertise-peer-urls and --data-dir, and --initial-cluster-state new.",
        "Refuses a --data-dir that exists and is not empty."
      },
      exitCodeListHeading = "Exit codes:%n",
      exitCodeList = {
        "0:the data dir is built and durable",
        "1:the file cannot be read as a raftkv snapshot, or writing failed",
        "2:bad usage (including --name not in --initial-cluster, or an existing --data-dir)"
      })
  static final class Restore implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file.")
    Path file;

    @Option(
        names = "--name",
        defaultValue = "default",
        description = "This member's name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(
        names = "--initial-cluster",
        description =
            "The new cluster's members: name=peerURL,... (default:"
                + " <name>=<--initial-advertise-peer-urls>).")
    String initialCluster;

    @Option(
        names = "--initial-cluster-token",
        defaultValue = "raftkv-cluster",
        description =
            "The new cluster's token, as given to 'raftkv server' (default: ${DEFAULT-VALUE}).")
    String token;

    @Option(
        names = "--initial-advertise-peer-urls",
        defaultValue = "http://localhost:2380",
        description = "This member's peer URL (default: ${DEFAULT-VALUE}).")
    String advertisePeerUrl;

    @Option(
        names = "--data-dir",
        description = "The data dir to build; must not exist or be empty (default: <name>.raftkv).")
    Path dataDir;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      SnapshotRestore restore;
      try {
        URI peer = ServerConfig.parseUrl("--initial-advertise-peer-urls", advertisePeerUrl);
        restore =
            new SnapshotRestore(
                file,
                name,
                ServerConfig.parseInitialCluster(
                    initialCluster != null ? initialCluster : name + "=" + advertisePeerUrl),
                token,
                peer,
                dataDir != null ? dataDir : Path.of(name + ".raftkv"));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
      }
      SnapshotRestore.Result r;
      try {
        r = restore.run();
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        err.println("Error: " + e.getMessage());
        return 1;
      }
      out.printf(
          Locale.ROOT,
          "restored snapshot %s into %s: cluster %x, member %x (%s), revision %d, log starts"
              + " after index %d%n",
          file,
          restore.dataDir(),
          r.clusterId(),
          r.memberId(),
          name,
          r.revision(),
          r.index());
      out.flush();
      return 0;
    }
  }
}

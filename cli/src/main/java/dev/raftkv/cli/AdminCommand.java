package dev.raftkv.cli;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code raftkv admin detach|attach}: the seed 000 partition switch, on the members named. */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description =
        "detach: cut the members at the given admin endpoints off from their peers (no traffic"
            + " either way, like the seed's Detach()); attach: join them again.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:done on every member", "1:a member did not answer", "2:bad usage"})
final class AdminCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ACTION", description = "detach or attach")
  String action;

  @Option(
      names = "--admin-endpoints",
      required = true,
      description = "Admin endpoints, host:port,...")
  String endpoints;

  @Override
  public Integer call() {
    if (!action.equals("detach") && !action.equals("attach")) {
      System.err.println("raftkv admin: ACTION must be detach or attach, got '" + action + "'");
      return 2;
    }
    AdminClient client = new AdminClient();
    int failed = 0;
    for (URI e : AdminClient.endpoints(endpoints)) {
      try {
        System.out.println(e + " " + client.call(e, "POST", "/" + action));
      } catch (IOException ex) {
        System.err.println("raftkv admin: " + ex.getMessage());
        failed++;
      }
    }
    return failed == 0 ? 0 : 1;
  }
}

package dev.raftkv.cli;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftkv status}: each member's role, term, leader, commit and applied index. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Prints each member's status as JSON, one line per member: role (follower,"
            + " pre_candidate, candidate, leader), term, leader id, commit and applied index"
            + " (the seed 002 harness's questions). Asks the members' admin endpoints.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every member answered", "1:a member did not answer"})
final class StatusCommand implements Callable<Integer> {
  @Option(
      names = "--admin-endpoints",
      required = true,
      description = "Admin endpoints, host:port,... (printed by 'raftkv cluster start').")
  String endpoints;

  @Override
  public Integer call() {
    AdminClient client = new AdminClient();
    int failed = 0;
    for (URI e : AdminClient.endpoints(endpoints)) {
      try {
        System.out.println(client.call(e, "GET", "/status"));
      } catch (IOException ex) {
        System.out.println("{\"endpoint\":\"" + e + "\",\"error\":\"" + ex.getMessage() + "\"}");
        failed++;
      }
    }
    return failed == 0 ? 0 : 1;
  }
}

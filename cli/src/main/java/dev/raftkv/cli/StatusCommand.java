package dev.raftkv.cli;

import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.api.raftkvpb.MemberStatusRequest;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftkv status}: each member's role, term, leader, commit and applied index. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Prints one line per member: name, id, role (follower, pre_candidate, candidate,"
            + " leader), term, leader id (0: none known), commit and applied index, and whether"
            + " it is detached and which peers it blocks (the seed 002 harness's questions).",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every member answered", "1:a member did not answer"})
final class StatusCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin TlsOptions tls;

  @Option(
      names = "--endpoints",
      defaultValue = "127.0.0.1:2379",
      description =
          "Client endpoints, host:port,... (https://host:port: over TLS; default:"
              + " ${DEFAULT-VALUE}).")
  String endpoints;

  static String line(String endpoint, MemberStatus s) {
    return endpoint
        + " name="
        + s.getName()
        + " id="
        + Long.toHexString(s.getId())
        + " role="
        + s.getRole()
        + " term="
        + s.getTerm()
        + " leader="
        + Long.toHexString(s.getLeader())
        + " commit="
        + s.getCommit()
        + " applied="
        + s.getApplied()
        + (s.getDetached() ? " detached" : "")
        + (s.getBlockedCount() == 0
            ? ""
            : " blocked="
                + s.getBlockedList().stream()
                    .map(Long::toHexString)
                    .collect(java.util.stream.Collectors.joining(",")));
  }

  @Override
  public Integer call() {
    int failed = 0;
    try (Endpoints e = new Endpoints(endpoints, tls)) {
      for (int i = 0; i < e.size(); i++) {
        try {
          MemberStatus s =
              AdminGrpc.newBlockingStub(e.channel(i))
                  .withDeadlineAfter(3, TimeUnit.SECONDS)
                  .status(MemberStatusRequest.getDefaultInstance());
          System.out.println(line(e.targets().get(i), s));
        } catch (StatusRuntimeException ex) {
          System.out.println(e.targets().get(i) + " error=" + ex.getStatus().getCode());
          failed++;
        }
      }
    }
    return failed == 0 ? 0 : 1;
  }
}

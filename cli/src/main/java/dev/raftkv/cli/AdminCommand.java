package dev.raftkv.cli;

import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.AttachRequest;
import dev.raftkv.api.raftkvpb.DetachRequest;
import dev.raftkv.api.raftkvpb.MemberStatus;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code raftkv admin detach|attach}: the seed 000 partition switch, on the members named. */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description =
        "detach: cut the members at --endpoints off from their peers (no traffic either way,"
            + " like the seed's Detach()); attach: join them again.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:done on every member", "1:a member did not answer", "2:bad usage"})
final class AdminCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ACTION", description = "detach or attach")
  String action;

  @Option(
      names = "--endpoints",
      required = true,
      description = "Client endpoints of the members, host:port,...")
  String endpoints;

  @Override
  public Integer call() {
    if (!action.equals("detach") && !action.equals("attach")) {
      System.err.println("raftkv admin: ACTION must be detach or attach, got '" + action + "'");
      return 2;
    }
    int failed = 0;
    try (Endpoints e = new Endpoints(endpoints)) {
      for (int i = 0; i < e.size(); i++) {
        try {
          var stub = AdminGrpc.newBlockingStub(e.channel(i)).withDeadlineAfter(3, TimeUnit.SECONDS);
          MemberStatus s =
              action.equals("detach")
                  ? stub.detach(DetachRequest.getDefaultInstance())
                  : stub.attach(AttachRequest.getDefaultInstance());
          System.out.println(StatusCommand.line(e.targets().get(i), s));
        } catch (StatusRuntimeException ex) {
          System.err.println(
              "raftkv admin: " + e.targets().get(i) + ": " + ex.getStatus().getCode());
          failed++;
        }
      }
    }
    return failed == 0 ? 0 : 1;
  }
}

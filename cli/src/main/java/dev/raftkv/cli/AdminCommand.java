package dev.raftkv.cli;

import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.AttachRequest;
import dev.raftkv.api.raftkvpb.BlockRequest;
import dev.raftkv.api.raftkvpb.DetachRequest;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.api.raftkvpb.UnblockRequest;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftkv admin detach|attach|block|unblock}: the seed 000 partition switch and the per-peer
 * block lists, on the members named.
 */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description = {
      "detach: cut the members at --endpoints off from all their peers (no traffic either way,"
          + " like the seed's Detach()); attach: join them again.",
      "block: add --peers to the block list of each member at --endpoints: that member drops"
          + " all traffic to and from them (a one-way partition; block on both sides for a"
          + " two-way one). unblock: remove --peers from the list, or clear it without --peers.",
      "Prints each member's status line afterwards."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:done on every member", "1:a member did not answer", "2:bad usage"})
final class AdminCommand implements Callable<Integer> {
  private static final Set<String> ACTIONS = Set.of("detach", "attach", "block", "unblock");

  @Parameters(index = "0", paramLabel = "ACTION", description = "detach, attach, block or unblock")
  String action;

  @picocli.CommandLine.Mixin TlsOptions tls;

  @Option(
      names = "--endpoints",
      required = true,
      description = "Client endpoints of the members, host:port,... (https://host:port: over TLS)")
  String endpoints;

  @Option(
      names = "--peers",
      split = ",",
      paramLabel = "ID",
      description =
          "block/unblock: member ids in hex, as 'raftkv status' prints them, comma-separated.")
  List<String> peers = new ArrayList<>();

  @Override
  public Integer call() {
    if (!ACTIONS.contains(action)) {
      System.err.println(
          "raftkv admin: ACTION must be detach, attach, block or unblock, got '" + action + "'");
      return 2;
    }
    List<Long> ids = new ArrayList<>();
    for (String p : peers) {
      try {
        ids.add(Long.parseUnsignedLong(p.strip(), 16));
      } catch (NumberFormatException e) {
        System.err.println("raftkv admin: --peers: not a hex member id: '" + p + "'");
        return 2;
      }
    }
    if (action.equals("block") && ids.isEmpty()) {
      System.err.println("raftkv admin: block needs --peers");
      return 2;
    }
    int failed = 0;
    try (Endpoints e = new Endpoints(endpoints, tls)) {
      for (int i = 0; i < e.size(); i++) {
        try {
          var stub = AdminGrpc.newBlockingStub(e.channel(i)).withDeadlineAfter(3, TimeUnit.SECONDS);
          MemberStatus s =
              switch (action) {
                case "detach" -> stub.detach(DetachRequest.getDefaultInstance());
                case "attach" -> stub.attach(AttachRequest.getDefaultInstance());
                case "block" -> stub.block(BlockRequest.newBuilder().addAllPeers(ids).build());
                default -> stub.unblock(UnblockRequest.newBuilder().addAllPeers(ids).build());
              };
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

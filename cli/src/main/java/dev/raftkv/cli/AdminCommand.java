package dev.raftkv.cli;

import dev.raftkv.api.raftkvpb.AdminGrpc;
import dev.raftkv.api.raftkvpb.AttachRequest;
import dev.raftkv.api.raftkvpb.BlockRequest;
import dev.raftkv.api.raftkvpb.DetachRequest;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.api.raftkvpb.UnblockRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.Console;
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
 * block lists, on the members named, over raftkv's {@code raftkvpb.Admin} gRPC service on their
 * client ports. The members allow it from loopback or with a verified client certificate while auth
 * is disabled, and only to the root user once it is enabled: {@code --user} authenticates first and
 * sends the token, or a client certificate whose CN is root ({@code --cert}) is enough.
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
      "Prints each member's status line afterwards.",
      "Who may: while auth is disabled, a caller connecting over loopback (from the member's"
          + " own host to 127.0.0.1 or ::1) or one with a client certificate signed by the"
          + " member's --trusted-ca-file (--cert/--key); once auth is enabled, only the root user:"
          + " --user root:PASSWORD, or a client certificate whose CN is root. A refusal prints the"
          + " member's reason. A detached member can neither issue nor accept a new token: attach"
          + " it with the root certificate, or restart it."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:done on every member",
      "1:a member did not answer or refused, or --user could not authenticate",
      "2:bad usage"
    })
final class AdminCommand implements Callable<Integer> {
  /**
   * Why a token may not be had: Authenticate goes through the Raft log, and a detached member (or
   * one without a leader) can neither issue a token nor learn one issued after it was cut off.
   */
  static final String NO_TOKEN_HINT =
      " (a member without a leader, such as a detached one, can neither issue a token nor accept"
          + " one issued after it was cut off: use a client certificate whose CN is root, --cert"
          + " and --key without --user, or restart the member)";

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

  @Option(
      names = "--user",
      paramLabel = "NAME[:PASSWORD]",
      description =
          "Authenticate as this user (etcd's Auth.Authenticate on the first endpoint that answers)"
              + " and send the token, as etcdctl --user does. Without :PASSWORD it is asked for on"
              + " the terminal; with no terminal, an error.")
  String user;

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
    UserCredentials credentials = null;
    if (user != null) {
      try {
        Console console = terminal();
        credentials =
            UserCredentials.parse(
                user, console == null ? null : prompt -> console.readPassword("%s", prompt));
      } catch (IllegalArgumentException ex) {
        System.err.println("raftkv admin: " + ex.getMessage());
        return 2;
      }
    }
    int failed = 0;
    try (Endpoints e = new Endpoints(endpoints, tls)) {
      String token = null;
      if (credentials != null) {
        try {
          token = authenticate(e, credentials);
        } catch (StatusRuntimeException ex) {
          System.err.println(
              "raftkv admin: --user "
                  + credentials.name()
                  + ": "
                  + UserCredentials.describe(ex)
                  + (unanswered(ex) ? NO_TOKEN_HINT : ""));
          return 1;
        }
      }
      for (int i = 0; i < e.size(); i++) {
        try {
          System.out.println(StatusCommand.line(e.targets().get(i), change(e, i, token, ids)));
        } catch (StatusRuntimeException ex) {
          StatusRuntimeException why = ex;
          String hint = "";
          if (credentials != null && ex.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
            // a simple token is known to a member once it has applied the entry that issued it:
            // this one may be behind the member that issued it; take one from it instead
            try {
              System.out.println(
                  StatusCommand.line(
                      e.targets().get(i),
                      change(e, i, credentials.authenticate(e.channel(i)), ids)));
              continue;
            } catch (StatusRuntimeException again) {
              why = again.getStatus().getCode() == Status.Code.UNAUTHENTICATED ? again : ex;
              hint = unanswered(again) ? NO_TOKEN_HINT : "";
            }
          }
          System.err.println(
              "raftkv admin: " + e.targets().get(i) + ": " + UserCredentials.describe(why) + hint);
          failed++;
        }
      }
    }
    return failed == 0 ? 0 : 1;
  }

  /**
   * The console when stdin and stdout are a terminal, else null. Before JDK 22 {@link
   * System#console()} is null otherwise; from JDK 22 on it is not, and {@code isTerminal()} (called
   * reflectively, as the code compiles for JDK 17) tells.
   */
  @SuppressWarnings("SystemConsoleNull") // the JDK 22 case is the isTerminal() call below
  private static Console terminal() {
    Console console = System.console();
    if (console == null || Runtime.version().feature() < 22) {
      return console;
    }
    try {
      return Boolean.TRUE.equals(Console.class.getMethod("isTerminal").invoke(console))
          ? console
          : null;
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /** The action on member {@code i}, with {@code token} (null: none). */
  private MemberStatus change(Endpoints e, int i, String token, List<Long> ids) {
    var stub =
        UserCredentials.withToken(AdminGrpc.newBlockingStub(e.channel(i)), token)
            .withDeadlineAfter(3, TimeUnit.SECONDS);
    return switch (action) {
      case "detach" -> stub.detach(DetachRequest.getDefaultInstance());
      case "attach" -> stub.attach(AttachRequest.getDefaultInstance());
      case "block" -> stub.block(BlockRequest.newBuilder().addAllPeers(ids).build());
      default -> stub.unblock(UnblockRequest.newBuilder().addAllPeers(ids).build());
    };
  }

  /** Whether a member could not answer (down, or no leader to put the call through the log). */
  private static boolean unanswered(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }

  /**
   * A token for {@code credentials} from the first endpoint that answers (a member that is down,
   * detached or without a leader cannot authenticate: Authenticate goes through the Raft log).
   */
  private static String authenticate(Endpoints e, UserCredentials credentials) {
    StatusRuntimeException last = null;
    for (int i = 0; i < e.size(); i++) {
      try {
        return credentials.authenticate(e.channel(i));
      } catch (StatusRuntimeException ex) {
        if (!unanswered(ex)) {
          throw ex;
        }
        last = ex;
      }
    }
    throw last;
  }
}

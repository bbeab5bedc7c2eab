package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.api.etcdserverpb.AuthEnableRequest;
import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.AuthRoleAddRequest;
import dev.raftkv.api.etcdserverpb.AuthUserAddRequest;
import dev.raftkv.api.etcdserverpb.AuthUserGrantRoleRequest;
import dev.raftkv.raft.Role;
import dev.raftkv.server.AuthConfig;
import dev.raftkv.server.RaftkvServer;
import dev.raftkv.server.ServerConfig;
import dev.raftkv.server.tls.TlsSettings;
import dev.raftkv.testkit.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftkv admin} with {@code --user} against three in-process members with auth enabled:
 * root's password gets a token the members accept on every one of them, a non-root user and no
 * credentials are refused with the member's message on one line, and a wrong password or a missing
 * one is a clear error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminCommandIT {
  private final List<RaftkvServer> servers = new ArrayList<>();
  private final List<String> endpoints = new ArrayList<>();

  /** What a command run in this JVM returned and printed. */
  private record Run(int code, String out, String err) {}

  private static Run raftkv(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    int[] ports = LoopbackPorts.allocate(9);
    Map<String, URI> peers = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) {
      peers.put("a" + (i + 1), URI.create("http://127.0.0.1:" + ports[3 * i + 1]));
    }
    for (int i = 0; i < 3; i++) {
      String name = "a" + (i + 1);
      endpoints.add("127.0.0.1:" + ports[3 * i]);
      servers.add(
          RaftkvServer.start(
              new ServerConfig(
                  name,
                  dir.resolve(name),
                  URI.create("http://127.0.0.1:" + ports[3 * i]),
                  peers.get(name),
                  URI.create("http://127.0.0.1:" + ports[3 * i + 2]),
                  peers,
                  true,
                  "admin-cli",
                  20,
                  200,
                  List.of(),
                  ServerConfig.DEFAULT_SNAPSHOT_COUNT,
                  List.of(),
                  TlsSettings.NONE,
                  AuthConfig.parse("simple", 300, 4))));
    }
    awaitLeader();
    ManagedChannel ch = ManagedChannelBuilder.forTarget(endpoints.get(0)).usePlaintext().build();
    try {
      AuthGrpc.AuthBlockingStub auth =
          AuthGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
      auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
      auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
      auth.userGrantRole(
          AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
      auth.userAdd(AuthUserAddRequest.newBuilder().setName("alice").setPassword("alicepw").build());
      auth.authEnable(AuthEnableRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow();
    }
  }

  private void awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (servers.stream().anyMatch(s -> s.status().role() == Role.LEADER)
          && servers.stream().allMatch(s -> s.status().leader() != 0)) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no leader within 30 s");
  }

  @AfterAll
  void stop() {
    servers.forEach(RaftkvServer::close);
  }

  @Test
  void rootBlocksAndUnblocksOnEveryMember() {
    String all = String.join(",", endpoints);
    // one token, from the first member; the others take it once they have applied its entry
    Run block =
        raftkv("admin", "block", "--peers", "1", "--endpoints", all, "--user", "root:rootpw");
    assertThat(block.code()).as(block.err()).isZero();
    assertThat(block.out().lines()).hasSize(3).allMatch(l -> l.endsWith(" blocked=1"));
    Run unblock = raftkv("admin", "unblock", "--endpoints", all, "--user", "root:rootpw");
    assertThat(unblock.code()).as(unblock.err()).isZero();
    assertThat(unblock.out().lines()).hasSize(3).noneMatch(l -> l.contains("blocked"));
  }

  @Test
  void rootDetachesAMemberWhichThenCannotTakeAToken() {
    String e3 = endpoints.get(2);
    Run detach = raftkv("admin", "detach", "--endpoints", e3, "--user", "root:rootpw");
    assertThat(detach.code()).as(detach.err()).isZero();
    assertThat(detach.out()).startsWith(e3 + " name=a3 ").endsWith(" detached\n");
    try {
      // Authenticate goes through the Raft log: the detached member cannot issue a token, nor
      // accept one the others issued after it was cut off; the error says what to do instead
      Run alone = raftkv("admin", "attach", "--endpoints", e3, "--user", "root:rootpw");
      assertThat(alone.code()).isEqualTo(1);
      // (no leader, or no answer while it still waits for the leader it lost)
      assertThat(alone.err())
          .isIn(
              "raftkv admin: --user root: UNAVAILABLE: etcdserver: no leader"
                  + AdminCommand.NO_TOKEN_HINT
                  + "\n",
              "raftkv admin: --user root: DEADLINE_EXCEEDED: no answer in time"
                  + AdminCommand.NO_TOKEN_HINT
                  + "\n");
      Run viaOthers =
          raftkv(
              "admin",
              "attach",
              "--endpoints",
              endpoints.get(0) + "," + e3,
              "--user",
              "root:rootpw");
      assertThat(viaOthers.code()).isEqualTo(1);
      assertThat(viaOthers.out()).startsWith(endpoints.get(0) + " name=a1 ");
      assertThat(viaOthers.err())
          .isEqualTo(
              "raftkv admin: "
                  + e3
                  + ": etcdserver: invalid auth token"
                  + AdminCommand.NO_TOKEN_HINT
                  + "\n");
    } finally {
      servers.get(2).attach();
    }
  }

  @Test
  void aNonRootUserAndNoCredentialsAreRefusedWithTheMembersMessage() {
    Run alice =
        raftkv("admin", "detach", "--endpoints", endpoints.get(1), "--user", "alice:alicepw");
    assertThat(alice.code()).isEqualTo(1);
    assertThat(alice.out()).isEmpty();
    assertThat(alice.err())
        .isEqualTo("raftkv admin: " + endpoints.get(1) + ": etcdserver: permission denied\n");
    Run none = raftkv("admin", "block", "--peers", "1", "--endpoints", endpoints.get(2));
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err())
        .isEqualTo("raftkv admin: " + endpoints.get(2) + ": etcdserver: user name is empty\n");
  }

  @Test
  void aWrongOrMissingPasswordIsAClearError() {
    Run wrong = raftkv("admin", "detach", "--endpoints", endpoints.get(0), "--user", "root:nope");
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.out()).isEmpty();
    assertThat(wrong.err())
        .isEqualTo(
            "raftkv admin: --user root: etcdserver: authentication failed, invalid user ID or"
                + " password\n");
    // the tests' stdin is no terminal
    Run missing = raftkv("admin", "detach", "--endpoints", endpoints.get(0), "--user", "root");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err())
        .isEqualTo(
            "raftkv admin: --user root: no password after ':' and no terminal to ask for it on;"
                + " give --user root:PASSWORD\n");
  }
}

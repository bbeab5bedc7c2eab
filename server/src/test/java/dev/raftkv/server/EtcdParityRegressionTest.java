package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.Member;
import dev.raftkv.api.etcdserverpb.MemberListRequest;
import dev.raftkv.api.etcdserverpb.MoveLeaderRequest;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import dev.raftkv.api.etcdserverpb.StatusRequest;
import dev.raftkv.api.etcdserverpb.StatusResponse;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.api.etcdserverpb.TxnResponse;
import dev.raftkv.raft.Role;
import dev.raftkv.testkit.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differences from a real etcd that the etcdctl compatibility suite (module {@code compat}) found,
 * each pinned here on three in-JVM members so it stays fixed without etcd installed.
 */
class EtcdParityRegressionTest {
  @TempDir Path dir;
  private final List<RaftkvServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    int[] p = LoopbackPorts.allocate(9);
    // numeric names are the member ids: listed here out of id order on purpose
    String[] names = {"30", "10", "20"};
    Map<String, URI> peers = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) {
      peers.put(names[i], URI.create("http://127.0.0.1:" + p[3 * i + 1]));
    }
    for (int i = 0; i < 3; i++) {
      String name = names[i];
      servers.add(
          RaftkvServer.start(
              new ServerConfig(
                  name,
                  dir.resolve(name),
                  URI.create("http://127.0.0.1:" + p[3 * i]),
                  peers.get(name),
                  URI.create("http://127.0.0.1:" + p[3 * i + 2]),
                  peers,
                  true,
                  "parity",
                  10,
                  100)));
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", p[3 * i]).usePlaintext().build());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (leader() < 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no leader in 20 s");
      }
      Thread.sleep(10);
    }
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(RaftkvServer::close);
  }

  private int leader() {
    for (int i = 0; i < servers.size(); i++) {
      if (servers.get(i).status().role() == Role.LEADER) {
        return i;
      }
    }
    return -1;
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void theResponsesInsideATxnCarryOnlyTheRevisionInTheirHeader() {
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channels.get(leader()));
    kv.put(PutRequest.newBuilder().setKey(b("k")).setValue(b("v")).build());
    TxnResponse r =
        kv.txn(
            TxnRequest.newBuilder()
                .addSuccess(
                    RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setKey(b("k")).setValue(b("w"))))
                .addSuccess(
                    RequestOp.newBuilder()
                        .setRequestRange(RangeRequest.newBuilder().setKey(b("k"))))
                .build());
    assertThat(r.getHeader().getClusterId()).isNotZero();
    assertThat(r.getHeader().getRevision()).isEqualTo(3);
    ResponseHeader only3 = ResponseHeader.newBuilder().setRevision(3).build();
    assertThat(r.getResponses(0).getResponsePut().getHeader()).isEqualTo(only3);
    assertThat(r.getResponses(1).getResponseRange().getHeader()).isEqualTo(only3);
  }

  @Test
  void moveLeaderToAnIdThatIsNoMemberIsABadTransferee() {
    MaintenanceGrpc.MaintenanceBlockingStub m =
        MaintenanceGrpc.newBlockingStub(channels.get(leader()));
    assertThatThrownBy(
            () -> m.moveLeader(MoveLeaderRequest.newBuilder().setTargetID(0xffff).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("etcdserver: bad leader transferee");
            });
  }

  @Test
  void statusReportsTheDbSizeAndTheSizeInUse() {
    KVGrpc.newBlockingStub(channels.get(0))
        .put(PutRequest.newBuilder().setKey(b("k")).setValue(b("v".repeat(10_000))).build());
    StatusResponse s =
        MaintenanceGrpc.newBlockingStub(channels.get(0)).status(StatusRequest.getDefaultInstance());
    assertThat(s.getDbSize()).isPositive();
    assertThat(s.getDbSizeInUse()).isPositive();
  }

  @Test
  void memberListIsInTheOrderOfMemberIdsAsEtcdsIs() {
    List<Member> members =
        ClusterGrpc.newBlockingStub(channels.get(0))
            .memberList(MemberListRequest.getDefaultInstance())
            .getMembersList();
    assertThat(members).extracting(Member::getID).containsExactly(10L, 20L, 30L);
  }
}

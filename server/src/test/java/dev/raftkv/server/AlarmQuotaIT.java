package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.AlarmMember;
import dev.raftkv.api.etcdserverpb.AlarmRequest;
import dev.raftkv.api.etcdserverpb.AlarmResponse;
import dev.raftkv.api.etcdserverpb.AlarmType;
import dev.raftkv.api.etcdserverpb.CompactionRequest;
import dev.raftkv.api.etcdserverpb.DeleteRangeRequest;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RequestOp;
import dev.raftkv.api.etcdserverpb.StatusRequest;
import dev.raftkv.api.etcdserverpb.TxnRequest;
import dev.raftkv.raft.Role;
import dev.raftkv.testkit.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alarms through the log, the NOSPACE capped store and the space quota, on one in-JVM member. */
class AlarmQuotaIT {
  @TempDir Path dir;
  private RaftkvServer server;
  private ManagedChannel channel;

  private void start(long quota) throws IOException, InterruptedException {
    int client = LoopbackPorts.allocate();
    URI peer = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    ServerConfig c =
        new ServerConfig(
                "n1",
                dir.resolve("n1"),
                URI.create("http://127.0.0.1:" + client),
                peer,
                URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()),
                Map.of("n1", peer),
                true,
                "alarm",
                10,
                100)
            .withQuotaBackendBytes(quota);
    server = RaftkvServer.start(c);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.status().role() != Role.LEADER) {
      assertThat(System.nanoTime()).as("a leader in time").isLessThan(deadline);
      Thread.sleep(20);
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", client).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private int health() throws IOException, InterruptedException {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(URI.create(server.adminUrl() + "/health")).build(),
            java.net.http.HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
    return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private AlarmResponse alarm(AlarmRequest.AlarmAction action, long member, AlarmType type) {
    return maintenance()
        .alarm(
            AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type).build());
  }

  private static PutRequest put(String k, String v) {
    return PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(k))
        .setValue(ByteString.copyFromUtf8(v))
        .build();
  }

  private static void assertNoSpace(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("etcdserver: mvcc: database space exceeded");
            });
  }

  @Test
  void aClientRaisedNoSpaceRefusesWritesUntilDisarmedAndIsInTheStatus()
      throws IOException, InterruptedException {
    start(0);
    kv().put(put("a", "1"));
    long me = 0x1234;
    AlarmResponse raised = alarm(AlarmRequest.AlarmAction.ACTIVATE, me, AlarmType.NOSPACE);
    AlarmMember nospace =
        AlarmMember.newBuilder().setMemberID(me).setAlarm(AlarmType.NOSPACE).build();
    assertThat(raised.getAlarmsList()).containsExactly(nospace);
    assertThat(alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE).getAlarmsList())
        .containsExactly(nospace);
    assertThat(maintenance().status(StatusRequest.getDefaultInstance()).getErrorsList())
        .containsExactly("memberID:4660 alarm:NOSPACE ");
    assertThat(health()).as("etcd's /health is false while an alarm is raised").isEqualTo(503);

    assertNoSpace(() -> kv().put(put("b", "2")));
    assertNoSpace(
        () ->
            LeaseGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()));
    assertNoSpace(
        () ->
            kv().txn(
                    TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestPut(put("c", "3")))
                        .build()));
    // reads, deletes and compaction still work
    assertThat(
            kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build())
                .getCount())
        .isEqualTo(1);
    long rev =
        kv().deleteRange(
                DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build())
            .getHeader()
            .getRevision();
    kv().compact(CompactionRequest.newBuilder().setRevision(rev).build());

    assertThat(alarm(AlarmRequest.AlarmAction.DEACTIVATE, me, AlarmType.NOSPACE).getAlarmsList())
        .containsExactly(nospace);
    assertThat(alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE).getAlarmsList()).isEmpty();
    assertThat(health()).isEqualTo(200);
    kv().put(put("b", "2"));
  }

  @Test
  void aQuotaBreachRaisesThisMembersNoSpaceAlarm() throws IOException, InterruptedException {
    start(4L * 1024 * 1024);
    String value = "v".repeat(64 * 1024);
    int written = 0;
    StatusRuntimeException refused = null;
    while (refused == null && written < 10_000) {
      try {
        kv().put(put("k" + written, value));
        written++;
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).as("refused within 10,000 puts of 64 KiB").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo("etcdserver: mvcc: database space exceeded");
    assertThat(written).as("about 4 MiB written first").isGreaterThan(16);
    long memberId =
        maintenance().status(StatusRequest.getDefaultInstance()).getHeader().getMemberId();
    assertThat(alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE).getAlarmsList())
        .containsExactly(
            AlarmMember.newBuilder().setMemberID(memberId).setAlarm(AlarmType.NOSPACE).build());
    assertNoSpace(() -> kv().put(put("x", "y")));
    assertThat(
            kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k0")).build())
                .getCount())
        .isEqualTo(1);
  }
}

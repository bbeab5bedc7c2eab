package dev.raftkv.compat;

import static dev.raftkv.compat.CtlCase.ctl;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.AlarmRequest;
import dev.raftkv.api.etcdserverpb.AlarmResponse;
import dev.raftkv.api.etcdserverpb.AlarmType;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alarms and the space quota against a real etcd, both with a small {@code --quota-backend-bytes}:
 * a NOSPACE alarm raised by a client over gRPC (etcdctl has no alarm activate), {@code etcdctl
 * alarm list}, a put refused, {@code alarm disarm}, puts again; then a quota breach (filled until
 * refused), {@code alarm list} and the next put's error. Member ids are masked (each side's are its
 * own).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdctlAlarmCompatIT {
  /** A few MB: etcd's smallest useful quota (its database file starts at tens of KB). */
  private static final long QUOTA = 8L * 1024 * 1024;

  private RealEtcdCluster etcd;
  private RaftkvCluster raftkv;
  private ClusterSide expected;
  private ClusterSide actual;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    Binaries.requireEtcdctl();
    Binaries.requireEtcd();
    etcd =
        RealEtcdCluster.start(
            dir.resolve("etcd"), 3, 100, 1000, List.of("--quota-backend-bytes=" + QUOTA));
    raftkv =
        RaftkvCluster.start(
            dir.resolve("raftkv"), 3, 100, 1000, c -> c.withQuotaBackendBytes(QUOTA));
    expected =
        new ClusterSide(
            "etcd",
            etcd.clientEndpoints(),
            etcd.peerEndpoints(),
            etcd.memberNames(),
            Files.createDirectories(dir.resolve("etcd-out")));
    actual =
        new ClusterSide(
            "raftkv",
            raftkv.clientEndpoints(),
            raftkv.peerEndpoints(),
            raftkv.memberNames(),
            Files.createDirectories(dir.resolve("raftkv-out")));
    expected.captureMemberIds();
    actual.captureMemberIds();
    // the same leader on both, so that endpoint status compares equal
    expected.makeLeader(0);
    actual.makeLeader(0);
  }

  @AfterAll
  void stop() {
    if (raftkv != null) {
      raftkv.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> alarms() {
    List<Step> steps =
        List.of(
            ctl("alarm", "list"),
            ctl("put", "foo", "bar"),
            new ActivateNoSpace(),
            checked(ctl("alarm", "list").maskAlarmMemberIds(), 0, "alarm:NOSPACE"),
            ctl("endpoint", "health").unordered(),
            ctl("endpoint", "status", "-w", "json").unorderedJsonArray().maskAlarmMemberIds(),
            ctl("endpoint", "health", "-w", "json").unorderedJsonArray(),
            checked(ctl("put", "foo", "bar2"), 1, "etcdserver: mvcc: database space exceeded"),
            ctl("put", "other", "v"),
            ctl("lease", "grant", "60"),
            ctl("txn", "-i").stdin("\nput t/1 one\n\n\n"),
            ctl("txn", "-i").stdin("\nget foo\n\n\n"),
            ctl("get", "foo"),
            ctl("del", "foo"),
            ctl("compact", "2"),
            checked(ctl("alarm", "disarm").maskAlarmMemberIds(), 0, "alarm:NOSPACE"),
            ctl("alarm", "list"),
            checked(ctl("put", "foo", "bar3"), 0, "OK"),
            ctl("get", "foo"),
            new FillUntilRefused(),
            checked(ctl("alarm", "list").maskAlarmMemberIds().distinctLines(), 0, "alarm:NOSPACE"),
            checked(ctl("put", "after", "breach"), 1, "database space exceeded"),
            ctl("get", "foo"));
    return steps.stream()
        .map(s -> DynamicTest.dynamicTest(s.name(), () -> s.run(expected, actual)));
  }

  private static Step checked(CtlCase ctl, int exitCode, String contains) {
    return new Checked(ctl, exitCode, contains);
  }

  /**
   * A case compared as usual whose outcome is also checked on both sides (exit code, a text in its
   * output), so that equal outputs cannot hide both sides failing alike.
   */
  private record Checked(CtlCase ctl, int exitCode, String contains) implements Step {
    @Override
    public String name() {
      return ctl.name() + " [exit " + exitCode + ", prints '" + contains + "']";
    }

    @Override
    public void run(ClusterSide want, ClusterSide got) throws Exception {
      Etcdctl.Result w = ctl.runOn(want);
      Etcdctl.Result g = ctl.runOn(got);
      for (Etcdctl.Result r : List.of(w, g)) {
        assertThat(r.exitCode()).as(r.all()).isEqualTo(exitCode);
        assertThat(r.stdout() + r.stderr()).contains(contains);
      }
      CtlCase.compare(name(), want, w, got, g, ctl::normalized);
    }
  }

  private static ManagedChannel channel(ClusterSide side) {
    return NettyChannelBuilder.forTarget(side.clientEndpoints.get(0)).usePlaintext().build();
  }

  /**
   * {@code Maintenance.Alarm(ACTIVATE, NOSPACE, id of the member asked)} over gRPC on each side.
   */
  private static final class ActivateNoSpace implements Step {
    @Override
    public String name() {
      return "gRPC Maintenance.Alarm(ACTIVATE, NOSPACE, first member's id)";
    }

    @Override
    public void run(ClusterSide want, ClusterSide got) {
      assertThat(activate(got)).isEqualTo(activate(want)).isEqualTo("1 NOSPACE for itself");
    }

    private static String activate(ClusterSide side) {
      ManagedChannel ch = channel(side);
      try {
        MaintenanceGrpc.MaintenanceBlockingStub m =
            MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        long id = m.status(StatusRequest.getDefaultInstance()).getHeader().getMemberId();
        AlarmResponse r =
            m.alarm(
                AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.ACTIVATE)
                    .setMemberID(id)
                    .setAlarm(AlarmType.NOSPACE)
                    .build());
        return r.getAlarmsCount()
            + " "
            + r.getAlarms(0).getAlarm()
            + (r.getAlarms(0).getMemberID() == id ? " for itself" : " for another member");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /**
   * Puts of 256 KiB over gRPC until one is refused, on each side: the refusal must be etcd's
   * (RESOURCE_EXHAUSTED, "database space exceeded"); how many fit differs (the sizes differ).
   */
  private static final class FillUntilRefused implements Step {
    @Override
    public String name() {
      return "puts of 256 KiB until the quota (" + QUOTA + " bytes) refuses one";
    }

    @Override
    public void run(ClusterSide want, ClusterSide got) {
      String fromEtcd = fill(want);
      assertThat(fromEtcd)
          .isEqualTo("RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded");
      assertThat(fill(got)).isEqualTo(fromEtcd);
    }

    private static String fill(ClusterSide side) {
      ManagedChannel ch = channel(side);
      try {
        ByteString value = ByteString.copyFrom(new byte[256 * 1024]);
        for (int i = 0; i < 1000; i++) {
          try {
            KVGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .put(
                    PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("fill/" + i))
                        .setValue(value)
                        .build());
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
          }
        }
        return "never refused";
      } finally {
        ch.shutdownNow();
      }
    }
  }
}

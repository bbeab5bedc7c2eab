package dev.raftkv.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.api.authpb.Permission;
import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.WatchGrpc;
import dev.raftkv.api.mvccpb.KeyValue;
import dev.raftkv.api.v3electionpb.ElectionGrpc;
import dev.raftkv.api.v3lockpb.LockGrpc;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * gRPC routes calls by "/package.Service/Method"; etcd clients send etcd's names, so ours must be
 * exactly those, whatever the Java package.
 */
class ServiceNamesTest {

  private static List<String> methods(ServiceDescriptor service) {
    return service.getMethods().stream()
        .map(m -> m.getFullMethodName())
        .sorted()
        .collect(Collectors.toList());
  }

  @Test
  void serviceNamesAreEtcds() {
    assertThat(KVGrpc.SERVICE_NAME).isEqualTo("etcdserverpb.KV");
    assertThat(WatchGrpc.SERVICE_NAME).isEqualTo("etcdserverpb.Watch");
    assertThat(LeaseGrpc.SERVICE_NAME).isEqualTo("etcdserverpb.Lease");
    assertThat(ClusterGrpc.SERVICE_NAME).isEqualTo("etcdserverpb.Cluster");
    assertThat(MaintenanceGrpc.SERVICE_NAME).isEqualTo("etcdserverpb.Maintenance");
    assertThat(AuthGrpc.SERVICE_NAME).isEqualTo("etcdserverpb.Auth");
    assertThat(LockGrpc.SERVICE_NAME).isEqualTo("v3lockpb.Lock");
    assertThat(ElectionGrpc.SERVICE_NAME).isEqualTo("v3electionpb.Election");
  }

  @Test
  void lockAndElectionMethodsAreEtcds() {
    assertThat(methods(LockGrpc.getServiceDescriptor()))
        .containsExactly("v3lockpb.Lock/Lock", "v3lockpb.Lock/Unlock");
    assertThat(methods(ElectionGrpc.getServiceDescriptor()))
        .containsExactly(
            "v3electionpb.Election/Campaign",
            "v3electionpb.Election/Leader",
            "v3electionpb.Election/Observe",
            "v3electionpb.Election/Proclaim",
            "v3electionpb.Election/Resign");
    assertThat(ElectionGrpc.getObserveMethod().getType()).isEqualTo(MethodType.SERVER_STREAMING);
  }

  @Test
  void kvMethodsAreEtcds() {
    assertThat(methods(KVGrpc.getServiceDescriptor()))
        .containsExactly(
            "etcdserverpb.KV/Compact",
            "etcdserverpb.KV/DeleteRange",
            "etcdserverpb.KV/Put",
            "etcdserverpb.KV/Range",
            "etcdserverpb.KV/Txn");
    assertThat(methods(LeaseGrpc.getServiceDescriptor()))
        .containsExactly(
            "etcdserverpb.Lease/LeaseGrant",
            "etcdserverpb.Lease/LeaseKeepAlive",
            "etcdserverpb.Lease/LeaseLeases",
            "etcdserverpb.Lease/LeaseRevoke",
            "etcdserverpb.Lease/LeaseTimeToLive");
    assertThat(methods(ClusterGrpc.getServiceDescriptor()))
        .containsExactly(
            "etcdserverpb.Cluster/MemberAdd",
            "etcdserverpb.Cluster/MemberList",
            "etcdserverpb.Cluster/MemberPromote",
            "etcdserverpb.Cluster/MemberRemove",
            "etcdserverpb.Cluster/MemberUpdate");
    assertThat(methods(MaintenanceGrpc.getServiceDescriptor()))
        .containsExactly(
            "etcdserverpb.Maintenance/Alarm",
            "etcdserverpb.Maintenance/Defragment",
            "etcdserverpb.Maintenance/Downgrade",
            "etcdserverpb.Maintenance/Hash",
            "etcdserverpb.Maintenance/HashKV",
            "etcdserverpb.Maintenance/MoveLeader",
            "etcdserverpb.Maintenance/Snapshot",
            "etcdserverpb.Maintenance/Status");
    assertThat(AuthGrpc.getServiceDescriptor().getMethods()).hasSize(17);
  }

  @Test
  void streamingShapesAreEtcds() {
    assertThat(KVGrpc.getRangeMethod().getType()).isEqualTo(MethodType.UNARY);
    assertThat(WatchGrpc.getWatchMethod().getFullMethodName())
        .isEqualTo("etcdserverpb.Watch/Watch");
    assertThat(WatchGrpc.getWatchMethod().getType()).isEqualTo(MethodType.BIDI_STREAMING);
    assertThat(LeaseGrpc.getLeaseKeepAliveMethod().getType()).isEqualTo(MethodType.BIDI_STREAMING);
    assertThat(MaintenanceGrpc.getSnapshotMethod().getType())
        .isEqualTo(MethodType.SERVER_STREAMING);
  }

  @Test
  void protoPackagesAreEtcdsWhileJavaPackagesAreOurs() {
    assertThat(RangeRequest.getDescriptor().getFullName()).isEqualTo("etcdserverpb.RangeRequest");
    assertThat(KeyValue.getDescriptor().getFullName()).isEqualTo("mvccpb.KeyValue");
    assertThat(Permission.getDescriptor().getFullName()).isEqualTo("authpb.Permission");
    assertThat(RangeRequest.class.getPackageName()).isEqualTo("dev.raftkv.api.etcdserverpb");
  }
}

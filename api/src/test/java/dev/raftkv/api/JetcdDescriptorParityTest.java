package dev.raftkv.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.raftkv.api.authpb.AuthProto;
import dev.raftkv.api.etcdserverpb.RpcProto;
import dev.raftkv.api.mvccpb.KvProto;
import io.etcd.jetcd.api.JetcdProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Our schema against an independent copy of etcd's: the descriptors compiled into jetcd (the Java
 * etcd client; test dependency only). Everything jetcd's copy declares — services, methods,
 * streaming shapes, messages, fields (name, number, type, label, oneof, referenced type), enum
 * values — must exist identically in ours. Ours may only add the fields and messages of newer etcd
 * releases listed in {@link #NEWER_THAN_JETCD}.
 */
class JetcdDescriptorParityTest {

  /**
   * What our files have beyond jetcd 0.8.5's copy, each present in etcd's own rpc.proto /
   * auth.proto (etcd 3.3 to 3.6 additions that jetcd's copy never picked up).
   */
  private static final Set<String> NEWER_THAN_JETCD =
      Set.of(
          "etcdserverpb.AlarmType.CORRUPT",
          "etcdserverpb.Compare.CompareTarget.LEASE",
          "etcdserverpb.Compare.lease",
          "etcdserverpb.Cluster.MemberPromote",
          "etcdserverpb.MemberPromoteRequest",
          "etcdserverpb.MemberPromoteResponse",
          "etcdserverpb.Lease.LeaseLeases",
          "etcdserverpb.LeaseLeasesRequest",
          "etcdserverpb.LeaseLeasesResponse",
          "etcdserverpb.LeaseStatus",
          "etcdserverpb.StatusResponse.raftAppliedIndex",
          "etcdserverpb.StatusResponse.errors",
          "etcdserverpb.StatusResponse.dbSizeInUse",
          "etcdserverpb.StatusResponse.isLearner",
          "etcdserverpb.WatchCreateRequest.watch_id",
          "etcdserverpb.WatchCreateRequest.fragment",
          "etcdserverpb.WatchResponse.fragment",
          "authpb.UserAddOptions",
          "authpb.User.options",
          "etcdserverpb.AuthUserAddRequest.options",
          "etcdserverpb.AuthUserAddRequest.hashedPassword",
          "etcdserverpb.AuthUserChangePasswordRequest.hashedPassword",
          "etcdserverpb.MemberListRequest.linearizable",
          "etcdserverpb.HashKVResponse.hash_revision",
          "etcdserverpb.SnapshotResponse.version",
          "etcdserverpb.StatusResponse.storageVersion",
          "etcdserverpb.StatusResponse.dbSizeQuota",
          "etcdserverpb.StatusResponse.downgradeInfo",
          "etcdserverpb.DowngradeInfo",
          "etcdserverpb.DowngradeVersionTestRequest",
          "etcdserverpb.LeaseCheckpoint",
          "etcdserverpb.LeaseCheckpointRequest",
          "etcdserverpb.LeaseCheckpointResponse",
          "etcdserverpb.Maintenance.Downgrade",
          "etcdserverpb.DowngradeRequest",
          "etcdserverpb.DowngradeResponse",
          "etcdserverpb.AuthStatusRequest",
          "etcdserverpb.AuthStatusResponse",
          "etcdserverpb.Auth.AuthStatus");

  /**
   * What jetcd's copy has and etcd's rpc.proto does not: a unary Watch/Progress method. An etcd
   * server answers it with UNIMPLEMENTED; we follow etcd and do not declare it.
   */
  private static final Set<String> JETCD_ONLY = Set.of("etcdserverpb.Watch.Progress");

  private final List<String> mismatches = new ArrayList<>();
  private final Set<String> extras = new TreeSet<>();

  private static FileDescriptor dependency(FileDescriptor file, String protoPackage) {
    return file.getDependencies().stream()
        .filter(d -> d.getPackage().equals(protoPackage))
        .findFirst()
        .orElseThrow();
  }

  private static String describe(FieldDescriptor f) {
    String typeName =
        switch (f.getJavaType()) {
          case MESSAGE -> f.getMessageType().getFullName();
          case ENUM -> f.getEnumType().getFullName();
          default -> "";
        };
    return f.getNumber()
        + " "
        + (f.isRepeated() ? "repeated " : "")
        + f.getType()
        + " "
        + typeName
        + (f.getRealContainingOneof() == null
            ? ""
            : " in oneof " + f.getRealContainingOneof().getName());
  }

  private void compareEnum(EnumDescriptor theirs, EnumDescriptor ours) {
    for (EnumValueDescriptor value : theirs.getValues()) {
      EnumValueDescriptor mine = ours.findValueByName(value.getName());
      if (mine == null || mine.getNumber() != value.getNumber()) {
        mismatches.add(theirs.getFullName() + "." + value.getName() + " = " + value.getNumber());
      }
    }
    for (EnumValueDescriptor value : ours.getValues()) {
      if (theirs.findValueByName(value.getName()) == null) {
        extras.add(ours.getFullName() + "." + value.getName());
      }
    }
  }

  private void compareMessage(Descriptor theirs, Descriptor ours) {
    for (FieldDescriptor field : theirs.getFields()) {
      FieldDescriptor mine = ours.findFieldByNumber(field.getNumber());
      if (mine == null
          || !mine.getName().equals(field.getName())
          || !describe(mine).equals(describe(field))) {
        mismatches.add(
            theirs.getFullName()
                + "."
                + field.getName()
                + ": etcd/jetcd "
                + describe(field)
                + ", ours "
                + (mine == null ? "missing" : mine.getName() + " " + describe(mine)));
      }
    }
    for (FieldDescriptor field : ours.getFields()) {
      if (theirs.findFieldByNumber(field.getNumber()) == null) {
        extras.add(ours.getFullName() + "." + field.getName());
      }
    }
    compareTypes(
        theirs.getNestedTypes(), theirs.getEnumTypes(), ours.getNestedTypes(), ours.getEnumTypes());
  }

  private void compareTypes(
      List<Descriptor> theirMessages,
      List<EnumDescriptor> theirEnums,
      List<Descriptor> ourMessages,
      List<EnumDescriptor> ourEnums) {
    for (Descriptor message : theirMessages) {
      Descriptor mine = find(ourMessages, message.getName());
      if (mine == null) {
        mismatches.add("missing message " + message.getFullName());
      } else {
        compareMessage(message, mine);
      }
    }
    for (Descriptor message : ourMessages) {
      if (find(theirMessages, message.getName()) == null) {
        extras.add(message.getFullName());
      }
    }
    for (EnumDescriptor e : theirEnums) {
      EnumDescriptor mine =
          ourEnums.stream().filter(o -> o.getName().equals(e.getName())).findFirst().orElse(null);
      if (mine == null) {
        mismatches.add("missing enum " + e.getFullName());
      } else {
        compareEnum(e, mine);
      }
    }
  }

  private static Descriptor find(List<Descriptor> messages, String name) {
    return messages.stream().filter(m -> m.getName().equals(name)).findFirst().orElse(null);
  }

  private void compareFile(FileDescriptor theirs, FileDescriptor ours) {
    assertThat(ours.getPackage()).isEqualTo(theirs.getPackage());
    compareTypes(
        theirs.getMessageTypes(),
        theirs.getEnumTypes(),
        ours.getMessageTypes(),
        ours.getEnumTypes());
    for (ServiceDescriptor service : theirs.getServices()) {
      ServiceDescriptor mine = ours.findServiceByName(service.getName());
      if (mine == null) {
        mismatches.add("missing service " + service.getFullName());
        continue;
      }
      for (MethodDescriptor method : service.getMethods()) {
        if (JETCD_ONLY.contains(method.getFullName())) {
          continue;
        }
        MethodDescriptor m = mine.findMethodByName(method.getName());
        if (m == null
            || !m.getInputType().getFullName().equals(method.getInputType().getFullName())
            || !m.getOutputType().getFullName().equals(method.getOutputType().getFullName())
            || m.isClientStreaming() != method.isClientStreaming()
            || m.isServerStreaming() != method.isServerStreaming()) {
          mismatches.add("method " + method.getFullName() + " differs or is missing");
        }
      }
      for (MethodDescriptor method : mine.getMethods()) {
        if (service.findMethodByName(method.getName()) == null) {
          extras.add(method.getFullName());
        }
      }
    }
  }

  @Test
  void everythingJetcdDeclaresIsIdenticalInOurs() {
    FileDescriptor theirRpc = JetcdProto.getDescriptor();
    compareFile(dependency(theirRpc, "mvccpb"), KvProto.getDescriptor());
    compareFile(dependency(theirRpc, "authpb"), AuthProto.getDescriptor());
    compareFile(theirRpc, RpcProto.getDescriptor());
    compareFile(
        io.etcd.jetcd.api.lock.JetcdProto.getDescriptor(),
        dev.raftkv.api.v3lockpb.V3LockProto.getDescriptor());
    compareFile(
        io.etcd.jetcd.api.ElectionOuterClass.getDescriptor(),
        dev.raftkv.api.v3electionpb.V3ElectionProto.getDescriptor());

    assertThat(mismatches).isEmpty();
    assertThat(extras).isSubsetOf(NEWER_THAN_JETCD);
  }
}

package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.Member;
import dev.raftkv.api.etcdserverpb.MemberListRequest;
import dev.raftkv.api.etcdserverpb.MemberListResponse;
import dev.raftkv.runtime.RaftRuntime;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * etcd's {@code Cluster} service: {@code MemberList} from the founding configuration and the
 * membership in force. Adding and removing members answer UNIMPLEMENTED for now.
 */
final class EtcdClusterService extends ClusterGrpc.ClusterImplBase {
  private final ServerConfig config;
  private final RaftRuntime runtime;
  private final EtcdKvService kvService;

  EtcdClusterService(ServerConfig config, RaftRuntime runtime, EtcdKvService kvService) {
    this.config = config;
    this.runtime = runtime;
    this.kvService = kvService;
  }

  @Override
  public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
    MemberListResponse.Builder b = MemberListResponse.newBuilder().setHeader(kvService.header(0));
    var conf = runtime.status().conf();
    List<Map.Entry<String, URI>> members = new ArrayList<>(config.initialCluster().entrySet());
    // etcd lists members in the order of their ids (unsigned)
    members.sort(
        (x, y) -> Long.compareUnsigned(config.memberId(x.getKey()), config.memberId(y.getKey())));
    for (Map.Entry<String, URI> e : members) {
      long id = config.memberId(e.getKey());
      if (!conf.contains(id)) {
        continue;
      }
      Member.Builder m =
          Member.newBuilder().setID(id).setName(e.getKey()).addPeerURLs(e.getValue().toString());
      if (id == config.memberId()) {
        m.addClientURLs(config.clientUrl().toString());
      }
      m.setIsLearner(conf.learners().contains(id));
      b.addMembers(m);
    }
    out.onNext(b.build());
    out.onCompleted();
  }
}

package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.MemberAddRequest;
import dev.raftkv.api.etcdserverpb.MemberAddResponse;
import dev.raftkv.api.etcdserverpb.MemberListRequest;
import dev.raftkv.api.etcdserverpb.MemberListResponse;
import dev.raftkv.api.etcdserverpb.MemberPromoteRequest;
import dev.raftkv.api.etcdserverpb.MemberPromoteResponse;
import dev.raftkv.api.etcdserverpb.MemberRemoveRequest;
import dev.raftkv.api.etcdserverpb.MemberRemoveResponse;
import dev.raftkv.api.etcdserverpb.MemberUpdateRequest;
import dev.raftkv.api.etcdserverpb.MemberUpdateResponse;
import dev.raftkv.kv.Member;
import dev.raftkv.kv.Members;
import dev.raftkv.raft.ConfChange;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code Cluster} service, backed by Raft membership changes and the replicated members
 * ({@link dev.raftkv.kv.KvStore#members()}).
 *
 * <p>Add and remove propose a {@link ConfChange} (an added member's peer URLs ride in its context)
 * and answer once the change applied on this member. Update goes through the log as a command.
 * Promote needs the leader's view of the learner's log, so a follower forwards it to the leader.
 * Before a change, etcd 3.4's strict reconfiguration checks run ({@link ReconfigChecks}), with
 * etcd's exact messages. List answers from this member's replicated state.
 *
 * <p>An added member's id is a hash of its peer URLs and the cluster token — what a member started
 * with those flags computes for itself — unless that id was used before, then the hash also covers
 * the time. A joining member does not rely on this: it asks the cluster for its id ({@link
 * Identity}).
 */
final class EtcdClusterService extends ClusterGrpc.ClusterImplBase {

  private final ServerConfig config;
  private final KvServer server;
  private final LeaderChannels leader;
  private final Duration timeout;

  EtcdClusterService(
      ServerConfig config, KvServer server, LeaderChannels leader, Duration timeout) {
    this.config = config;
    this.server = server;
    this.leader = leader;
    this.timeout = timeout;
  }

  @Override
  public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
    CompletableFuture<Long> barrier =
        req.getLinearizable()
            ? server.runtime().readIndex()
            : CompletableFuture.completedFuture(0L);
    finish(
        barrier.thenApply(
            ignored ->
                MemberListResponse.newBuilder()
                    .setHeader(header())
                    .addAllMembers(members())
                    .build()),
        out);
  }

  @Override
  public void memberAdd(MemberAddRequest req, StreamObserver<MemberAddResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled, as etcd's membership changes
    }
    List<String> urls;
    try {
      urls = checkUrls(req.getPeerURLsList());
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    List<Member> members = server.store().members();
    for (Member m : members) {
      if (m.peerUrls().stream().anyMatch(urls::contains)) {
        out.onError(EtcdError.PEER_URL_EXISTS.exception());
        return;
      }
    }
    if (req.getIsLearner()) {
      if (!ReconfigChecks.roomForLearner(members)) {
        out.onError(EtcdError.TOO_MANY_LEARNERS.exception());
        return;
      }
    } else {
      if (!ReconfigChecks.readyToAddVoter(members)) {
        out.onError(EtcdError.NOT_ENOUGH_STARTED_MEMBERS.exception());
        return;
      }
      if (!ReconfigChecks.allVotersActive(server.runtime().status())) {
        out.onError(EtcdError.UNHEALTHY_CLUSTER.exception());
        return;
      }
    }
    long id = newMemberId(urls);
    ConfChange cc =
        new ConfChange(
            req.getIsLearner() ? ConfChange.Type.ADD_LEARNER : ConfChange.Type.ADD_VOTER,
            id,
            Members.encodeContext(urls));
    finish(
        change(cc)
            .thenApply(
                ignored ->
                    MemberAddResponse.newBuilder()
                        .setHeader(header())
                        .setMember(toProto(server.store().member(id)))
                        .addAllMembers(members())
                        .build()),
        out);
  }

  @Override
  public void memberRemove(MemberRemoveRequest req, StreamObserver<MemberRemoveResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled, as etcd's membership changes
    }
    long id = req.getID();
    Member m = server.store().member(id);
    if (m == null) {
      out.onError(EtcdError.MEMBER_NOT_FOUND.exception());
      return;
    }
    if (!m.learner()) {
      if (!ReconfigChecks.readyToRemoveVoter(server.store().members(), id)) {
        out.onError(EtcdError.NOT_ENOUGH_STARTED_MEMBERS.exception());
        return;
      }
      if (!ReconfigChecks.quorumActiveAfterRemoving(server.runtime().status(), id)) {
        out.onError(EtcdError.UNHEALTHY_CLUSTER.exception());
        return;
      }
    }
    finish(
        change(new ConfChange(ConfChange.Type.REMOVE, id))
            .thenApply(
                ignored ->
                    MemberRemoveResponse.newBuilder()
                        .setHeader(header())
                        .addAllMembers(members())
                        .build()),
        out);
  }

  @Override
  public void memberUpdate(MemberUpdateRequest req, StreamObserver<MemberUpdateResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled, as etcd's membership changes
    }
    List<String> urls;
    try {
      urls = checkUrls(req.getPeerURLsList());
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    if (server.store().member(req.getID()) == null) {
      out.onError(EtcdError.MEMBER_NOT_FOUND.exception());
      return;
    }
    finish(
        server.apply(
            new dev.raftkv.kv.MemberUpdateRequest(req.getID(), urls),
            ignored ->
                MemberUpdateResponse.newBuilder()
                    .setHeader(header())
                    .addAllMembers(members())
                    .build()),
        out);
  }

  @Override
  public void memberPromote(MemberPromoteRequest req, StreamObserver<MemberPromoteResponse> out) {
    if (!server.admitAdmin(out)) {
      return; // root only once auth is enabled, as etcd's membership changes
    }
    long id = req.getID();
    Member m = server.store().member(id);
    if (m == null) {
      out.onError(EtcdError.MEMBER_NOT_FOUND.exception());
      return;
    }
    if (!m.learner()) {
      out.onError(EtcdError.MEMBER_NOT_LEARNER.exception());
      return;
    }
    var status = server.runtime().status();
    if (status.leader() != status.id()) {
      forwardPromote(req, out);
      return;
    }
    if (!ReconfigChecks.learnerReady(status, id)) {
      out.onError(EtcdError.LEARNER_NOT_READY.exception());
      return;
    }
    if (!ReconfigChecks.readyToPromote(server.store().members())) {
      out.onError(EtcdError.NOT_ENOUGH_STARTED_MEMBERS.exception());
      return;
    }
    finish(
        change(new ConfChange(ConfChange.Type.ADD_VOTER, id))
            .thenApply(
                ignored ->
                    MemberPromoteResponse.newBuilder()
                        .setHeader(header())
                        .addAllMembers(members())
                        .build()),
        out);
  }

  /** A follower hands a promotion to the leader, which alone knows how far the learner is. */
  private void forwardPromote(MemberPromoteRequest req, StreamObserver<MemberPromoteResponse> out) {
    if (LeaderChannels.isForwardedCall()) {
      out.onError(EtcdError.NOT_LEADER_RETRY.exception());
      return;
    }
    Optional<ManagedChannel> ch = leader.toLeader();
    if (ch.isEmpty()) {
      out.onError(EtcdError.NO_LEADER.exception());
      return;
    }
    ClusterGrpc.newStub(ch.get())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(leader.forwardedHeaders()))
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .memberPromote(req, out);
  }

  // ---------------------------------------------------------------------------------------------

  /** Proposes {@code cc}; completes once this member applied it (see NodeDriver). */
  private CompletableFuture<Void> change(ConfChange cc) {
    // The request timeout fails the change's own future, so a change lost with a leader change
    // does not stay among the runtime's waiters.
    return server.withTimeout(server.runtime().changeMembership(cc));
  }

  private long newMemberId(List<String> urls) {
    String base = String.join(",", new TreeSet<>(urls)) + "|" + config.token();
    long id = ServerConfig.hash(base);
    var removed = server.store().removedMembers();
    for (int i = 0; server.store().member(id) != null || removed.contains(id); i++) {
      id = ServerConfig.hash(base + "|" + System.currentTimeMillis() + "|" + i);
    }
    return id;
  }

  private static List<String> checkUrls(List<String> urls) {
    if (urls.isEmpty()) {
      throw EtcdError.INVALID_MEMBER_URLS.exception();
    }
    List<String> out = new ArrayList<>();
    for (String u : urls) {
      try {
        URI parsed = new URI(u);
        if (parsed.getHost() == null || parsed.getPort() < 0) {
          throw new IllegalArgumentException(u);
        }
      } catch (java.net.URISyntaxException | IllegalArgumentException e) {
        throw EtcdError.INVALID_MEMBER_URLS.exception();
      }
      out.add(u);
    }
    return out;
  }

  private List<dev.raftkv.api.etcdserverpb.Member> members() {
    List<dev.raftkv.api.etcdserverpb.Member> out = new ArrayList<>();
    for (Member m : server.store().members()) {
      out.add(toProto(m));
    }
    return out;
  }

  static dev.raftkv.api.etcdserverpb.Member toProto(Member m) {
    return dev.raftkv.api.etcdserverpb.Member.newBuilder()
        .setID(m.id())
        .setName(m.name())
        .addAllPeerURLs(m.peerUrls())
        .addAllClientURLs(m.clientUrls())
        .setIsLearner(m.learner())
        .build();
  }

  /** etcd's cluster responses' header: cluster, member and term, no revision. */
  private dev.raftkv.api.etcdserverpb.ResponseHeader header() {
    return server.header().toBuilder().clearRevision().build();
  }

  private <T> void finish(CompletableFuture<T> f, StreamObserver<T> out) {
    server.reply(f, out);
  }
}

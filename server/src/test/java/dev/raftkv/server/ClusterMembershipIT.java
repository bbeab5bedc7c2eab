package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.ClusterGrpc;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.LeaseKeepAliveRequest;
import dev.raftkv.api.etcdserverpb.LeaseKeepAliveResponse;
import dev.raftkv.api.etcdserverpb.LeaseTimeToLiveRequest;
import dev.raftkv.api.etcdserverpb.MaintenanceGrpc;
import dev.raftkv.api.etcdserverpb.Member;
import dev.raftkv.api.etcdserverpb.MemberAddRequest;
import dev.raftkv.api.etcdserverpb.MemberAddResponse;
import dev.raftkv.api.etcdserverpb.MemberListRequest;
import dev.raftkv.api.etcdserverpb.MemberPromoteRequest;
import dev.raftkv.api.etcdserverpb.MemberRemoveRequest;
import dev.raftkv.api.etcdserverpb.MemberUpdateRequest;
import dev.raftkv.api.etcdserverpb.MoveLeaderRequest;
import dev.raftkv.api.etcdserverpb.PutRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.raft.Role;
import dev.raftkv.testkit.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Cluster service on in-JVM servers: members are added (as learner or voter), join with
 * {@code --initial-cluster-state existing}, catch up, are promoted, updated and removed, with
 * etcd's error messages; and lease calls reach the leader through a follower.
 */
class ClusterMembershipIT {
  private static final String TOKEN = "members-test";

  @TempDir Path dir;
  private final Map<String, RaftkvServer> servers = new LinkedHashMap<>();
  private final Map<String, ServerConfig> configs = new LinkedHashMap<>();
  private final Map<String, URI> cluster = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startThree() throws IOException {
    for (String n : new String[] {"n1", "n2", "n3"}) {
      cluster.put(n, URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()));
    }
    for (String n : List.copyOf(cluster.keySet())) {
      configs.put(n, config(n, cluster.get(n), cluster, true));
    }
    for (String n : List.copyOf(configs.keySet())) {
      servers.put(n, RaftkvServer.start(configs.get(n)));
    }
  }

  @AfterEach
  void stopAll() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.values().forEach(RaftkvServer::close);
  }

  private ServerConfig config(String name, URI peer, Map<String, URI> initial, boolean fresh)
      throws IOException {
    return new ServerConfig(
        name,
        dir.resolve(name),
        URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()),
        peer,
        URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()),
        initial,
        fresh,
        TOKEN,
        10,
        100);
  }

  /** What {@code etcdctl member add} tells the new member: the cluster plus itself, "existing". */
  private ServerConfig joiner(String name, URI peer) throws IOException {
    Map<String, URI> initial = new LinkedHashMap<>(cluster);
    initial.put(name, peer);
    ServerConfig c = config(name, peer, initial, false);
    configs.put(name, c);
    return c;
  }

  private static void await(String what, BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private String leader() throws InterruptedException {
    String[] l = new String[1];
    await(
        "a leader",
        () -> {
          for (Map.Entry<String, RaftkvServer> e : servers.entrySet()) {
            if (!e.getValue().stopped().isDone() && e.getValue().status().role() == Role.LEADER) {
              l[0] = e.getKey();
              return true;
            }
          }
          return false;
        });
    return l[0];
  }

  private String follower(String leader) {
    return servers.keySet().stream()
        .filter(n -> !n.equals(leader) && !servers.get(n).stopped().isDone())
        .findFirst()
        .orElseThrow();
  }

  private ManagedChannel channel(String at) {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", configs.get(at).clientUrl().getPort())
            .usePlaintext()
            .build();
    channels.add(ch);
    return ch;
  }

  private ClusterGrpc.ClusterBlockingStub clusterAt(String at) {
    return ClusterGrpc.newBlockingStub(channel(at)).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private List<Member> list(String at) {
    return clusterAt(at).memberList(MemberListRequest.getDefaultInstance()).getMembersList();
  }

  private Member member(String at, long id) {
    return list(at).stream().filter(m -> m.getID() == id).findFirst().orElse(null);
  }

  private void put(String at, String key, String value) throws InterruptedException {
    await(at + " to know the leader", () -> servers.get(at).status().leader() != 0);
    KVGrpc.newBlockingStub(channel(at))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .build());
  }

  private String get(String at, String key) throws InterruptedException {
    // A member that just (re)started may not have heard from the leader yet; clients retry.
    await(at + " to know the leader", () -> servers.get(at).status().leader() != 0);
    var r =
        KVGrpc.newBlockingStub(channel(at))
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
    return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
  }

  private void awaitPublished(String at, int members) throws InterruptedException {
    await(
        at + " to list " + members + " started members",
        () ->
            list(at).stream()
                    .filter(m -> !m.getName().isEmpty() && m.getClientURLsCount() > 0)
                    .count()
                == members);
  }

  private MemberAddResponse add(String at, URI peer, boolean learner) {
    return clusterAt(at)
        .memberAdd(
            MemberAddRequest.newBuilder()
                .addPeerURLs(peer.toString())
                .setIsLearner(learner)
                .build());
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void memberListShowsEveryMembersNameAndUrlsOnEveryMember() throws Exception {
    leader();
    awaitPublished("n2", 3);
    List<Member> members = list("n3");
    assertThat(members).hasSize(3);
    for (Member m : members) {
      ServerConfig c = configs.get(m.getName());
      assertThat(m.getID()).isEqualTo(c.memberId());
      assertThat(m.getPeerURLsList()).containsExactly(cluster.get(m.getName()).toString());
      assertThat(m.getClientURLsList()).containsExactly(c.clientUrl().toString());
      assertThat(m.getIsLearner()).isFalse();
    }
  }

  @Test
  void aLearnerCatchesUpIsPromotedThenVotes() throws Exception {
    String leader = leader();
    awaitPublished(leader, 3);
    for (int i = 0; i < 50; i++) {
      put(leader, "k" + i, "v" + i);
    }
    URI peer = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    String follower = follower(leader);
    MemberAddResponse added = add(follower, peer, true);
    long id = added.getMember().getID();
    assertThat(added.getMember().getIsLearner()).isTrue();
    assertThat(added.getMember().getName()).isEmpty();
    assertThat(added.getMember().getClientURLsList()).isEmpty();
    assertThat(added.getMembersList()).hasSize(4);
    assertThat(added.getHeader().getMemberId()).isEqualTo(servers.get(follower).memberId());
    // Not started, so not in sync: etcd refuses.
    assertThatThrownBy(
            () ->
                clusterAt(follower)
                    .memberPromote(MemberPromoteRequest.newBuilder().setID(id).build()))
        .hasMessage(
            "FAILED_PRECONDITION: etcdserver: can only promote a learner member which is in sync"
                + " with leader");

    servers.put("n4", RaftkvServer.start(joiner("n4", peer)));
    assertThat(servers.get("n4").memberId()).isEqualTo(id);
    assertThat(servers.get("n4").clusterId()).isEqualTo(servers.get(leader).clusterId());
    await(
        "n4 to catch up",
        () ->
            servers
                    .get("n4")
                    .kv()
                    .store()
                    .range(
                        dev.raftkv.kv.Range.get(
                            "k49".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .count()
                == 1);
    awaitPublished(follower, 4);
    assertThat(member(follower, id).getName()).isEqualTo("n4");

    // Promoted through a follower, which forwards to the leader.
    await(
        "the promotion",
        () -> {
          try {
            clusterAt(follower).memberPromote(MemberPromoteRequest.newBuilder().setID(id).build());
            return true;
          } catch (io.grpc.StatusRuntimeException e) {
            assertThat(e.getMessage()).contains("in sync with leader");
            return false;
          }
        });
    assertThat(member(leader, id).getIsLearner()).isFalse();
    assertThatThrownBy(
            () ->
                clusterAt(leader)
                    .memberPromote(MemberPromoteRequest.newBuilder().setID(id).build()))
        .hasMessage("FAILED_PRECONDITION: etcdserver: can only promote a learner member");
    await("n4 to be a voter", () -> servers.get("n4").status().conf().voters().contains(id));

    // It votes: remove one old follower, stop the leader; the two left need n4's vote.
    String other =
        servers.keySet().stream()
            .filter(n -> !n.equals(leader) && !n.equals("n4"))
            .findFirst()
            .orElseThrow();
    String third =
        servers.keySet().stream()
            .filter(n -> !n.equals(leader) && !n.equals("n4") && !n.equals(other))
            .findFirst()
            .orElseThrow();
    clusterAt(leader)
        .memberRemove(
            MemberRemoveRequest.newBuilder().setID(servers.get(third).memberId()).build());
    await(third + " to stop after its removal", () -> servers.get(third).stopped().isDone());
    assertThat(servers.get(third).removed()).isTrue();
    assertThat(list(leader))
        .extracting(Member::getName)
        .containsExactlyInAnyOrder(leader, other, "n4");
    servers.get(leader).close();
    String next = leader();
    assertThat(next).isIn(other, "n4");
    put("n4", "after", "x");
    assertThat(get(other, "after")).isEqualTo("x");
  }

  @Test
  void aVoterJoinsWithStateExistingAndEveryoneRemembersItAfterRestarts() throws Exception {
    String leader = leader();
    awaitPublished(leader, 3);
    put(leader, "before", "1");
    URI peer = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    MemberAddResponse added = add(leader, peer, false);
    long id = added.getMember().getID();
    assertThat(added.getMember().getIsLearner()).isFalse();
    assertThat(id).isEqualTo(ServerConfig.hash(peer + "|" + TOKEN)); // what n4's flags give
    servers.put("n4", RaftkvServer.start(joiner("n4", peer)));
    assertThat(servers.get("n4").memberId()).isEqualTo(id);
    assertThat(configs.get("n4").memberId()).isEqualTo(id);
    awaitPublished("n1", 4);
    assertThat(get("n4", "before")).isEqualTo("1");
    put("n4", "via-n4", "2");
    assertThat(get("n1", "via-n4")).isEqualTo("2");

    // Restart the new member and a founding one: both remember all four members.
    ServerConfig n4 = configs.get("n4");
    servers.remove("n4").close();
    servers.get("n1").close();
    servers.put("n1", RaftkvServer.start(configs.get("n1")));
    servers.put("n4", RaftkvServer.start(n4));
    assertThat(servers.get("n4").memberId()).isEqualTo(id);
    assertThat(servers.get("n4").kv().store().members()).hasSize(4);
    leader();
    for (String at : List.of("n1", "n4")) {
      List<Member> members = list(at);
      assertThat(members)
          .extracting(Member::getName)
          .containsExactlyInAnyOrder("n1", "n2", "n3", "n4");
      assertThat(member(at, id).getClientURLsList()).containsExactly(n4.clientUrl().toString());
    }
    put("n1", "after-restart", "3");
    assertThat(get("n4", "after-restart")).isEqualTo("3");
  }

  /**
   * A member listening on the wildcard address (as on a host with several interfaces) joins under
   * the peer URL it was added with and is listed at the client URL it advertises, not at 0.0.0.0.
   */
  @Test
  void aMemberListeningOnTheWildcardAddressIsListedAtItsAdvertisedUrls() throws Exception {
    String leader = leader();
    awaitPublished(leader, 3);
    int peerPort = LoopbackPorts.allocate();
    int clientPort = LoopbackPorts.allocate();
    URI peer = URI.create("http://127.0.0.1:" + peerPort);
    long id = add(leader, peer, false).getMember().getID();
    Map<String, URI> initial = new LinkedHashMap<>(cluster);
    initial.put("n4", peer);
    URI advertised = URI.create("http://localhost:" + clientPort);
    ServerConfig n4 =
        new ServerConfig(
            "n4",
            dir.resolve("n4"),
            URI.create("http://0.0.0.0:" + clientPort),
            URI.create("http://0.0.0.0:" + peerPort),
            URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()),
            initial,
            false,
            TOKEN,
            10,
            100,
            List.of(advertised));
    configs.put("n4", n4);
    servers.put("n4", RaftkvServer.start(n4));
    assertThat(servers.get("n4").memberId()).isEqualTo(id);
    awaitPublished(leader, 4);
    assertThat(member(leader, id).getClientURLsList()).containsExactly(advertised.toString());
    assertThat(member(leader, id).getPeerURLsList()).containsExactly(peer.toString());
    put("n4", "via-wildcard", "1");
    assertThat(get(leader, "via-wildcard")).isEqualTo("1");
  }

  @Test
  void aWildcardClientUrlWithoutAnAdvertisedOneIsRefusedNamingTheFlags() {
    assertThatThrownBy(
            () ->
                new ServerConfig(
                    "n1",
                    dir.resolve("x"),
                    URI.create("http://0.0.0.0:2379"),
                    cluster.get("n1"),
                    URI.create("http://127.0.0.1:2381"),
                    cluster,
                    true,
                    TOKEN,
                    10,
                    100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--listen-client-urls http://0.0.0.0:2379 is a wildcard address")
        .hasMessageContaining("--advertise-client-urls");
    assertThatThrownBy(
            () ->
                new ServerConfig(
                    "n1",
                    dir.resolve("x"),
                    URI.create("http://127.0.0.1:2379"),
                    cluster.get("n1"),
                    URI.create("http://127.0.0.1:2381"),
                    cluster,
                    true,
                    TOKEN,
                    10,
                    100,
                    List.of(URI.create("http://0.0.0.0:2379"))))
        .hasMessageContaining("--advertise-client-urls: http://0.0.0.0:2379 is a wildcard");
  }

  /**
   * docs/chaos.md, membership bug 2: a member that was down while a member was added restarts with
   * the old membership and must still take the log from the new member once that one leads. It used
   * to refuse the new leader's connection as an unknown member and stay behind forever.
   */
  @Test
  void aMemberThatMissedAnAdditionCatchesUpFromTheAddedMemberAsLeader() throws Exception {
    String leader = leader();
    awaitPublished(leader, 3);
    put(leader, "before", "1");
    String behind = follower(leader);
    ServerConfig behindConfig = configs.get(behind);
    servers.get(behind).close();

    // With one voter down, etcd refuses to add a voter ("unhealthy cluster"): add a learner,
    // and promote it once it has caught up.
    URI peer = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    long id = add(leader, peer, true).getMember().getID();
    servers.put("n4", RaftkvServer.start(joiner("n4", peer)));
    await(
        "n4's promotion",
        () -> {
          try {
            clusterAt(leader).memberPromote(MemberPromoteRequest.newBuilder().setID(id).build());
            return true;
          } catch (io.grpc.StatusRuntimeException e) {
            return false; // not in sync yet
          }
        });
    put("n4", "during", "2");
    MaintenanceGrpc.newBlockingStub(channel(leader))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(id).build());
    assertThat(leader()).isEqualTo("n4");
    put("n4", "led-by-n4", "3");

    servers.put(behind, RaftkvServer.start(behindConfig)); // it knows n1..n3 only
    await(behind + " to follow n4", () -> servers.get(behind).status().leader() == id);
    assertThat(get(behind, "led-by-n4")).isEqualTo("3");
    assertThat(get(behind, "during")).isEqualTo("2");
    await(
        behind + " to apply n4's addition",
        () -> servers.get(behind).kv().store().members().size() == 4);
    long revision = servers.get("n4").kv().store().revision();
    await(
        behind + " to reach n4's revision",
        () -> servers.get(behind).kv().store().revision() == revision);
  }

  @Test
  void removingTheLeaderElectsANewOneAndTheRemovedMemberStops() throws Exception {
    String leader = leader();
    awaitPublished(leader, 3);
    long leaderId = servers.get(leader).memberId();
    String follower = follower(leader);
    var r =
        clusterAt(follower).memberRemove(MemberRemoveRequest.newBuilder().setID(leaderId).build());
    assertThat(r.getMembersList()).hasSize(2).extracting(Member::getID).doesNotContain(leaderId);
    await(leader + " to stop after its removal", () -> servers.get(leader).stopped().isDone());
    assertThat(servers.get(leader).removed()).isTrue();
    String next = leader();
    assertThat(next).isNotEqualTo(leader);
    put(follower, "k", "v");
    assertThat(get(next, "k")).isEqualTo("v");
    assertThat(servers.get(next).status().conf().contains(leaderId)).isFalse();
  }

  @Test
  void errorsAreEtcds() throws Exception {
    String leader = leader();
    awaitPublished(leader, 3);
    String f = follower(leader);
    assertThatThrownBy(
            () -> clusterAt(f).memberRemove(MemberRemoveRequest.newBuilder().setID(1234).build()))
        .hasMessage("NOT_FOUND: etcdserver: member not found");
    assertThatThrownBy(
            () -> clusterAt(f).memberPromote(MemberPromoteRequest.newBuilder().setID(1234).build()))
        .hasMessage("NOT_FOUND: etcdserver: member not found");
    assertThatThrownBy(
            () ->
                clusterAt(f)
                    .memberUpdate(
                        MemberUpdateRequest.newBuilder()
                            .setID(1234)
                            .addPeerURLs("http://127.0.0.1:1")
                            .build()))
        .hasMessage("NOT_FOUND: etcdserver: member not found");
    long n1 = servers.get("n1").memberId();
    assertThatThrownBy(
            () -> clusterAt(f).memberPromote(MemberPromoteRequest.newBuilder().setID(n1).build()))
        .hasMessage("FAILED_PRECONDITION: etcdserver: can only promote a learner member");
    assertThatThrownBy(() -> add(f, cluster.get("n2"), false))
        .hasMessage("FAILED_PRECONDITION: etcdserver: Peer URLs already exists");
    assertThatThrownBy(() -> add(f, URI.create("nonsense"), false))
        .hasMessage("INVALID_ARGUMENT: etcdserver: given member URLs are invalid");

    add(f, URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()), true);
    assertThatThrownBy(
            () -> add(f, URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()), true))
        .hasMessage("FAILED_PRECONDITION: etcdserver: too many learner members in cluster");

    // A voter that never starts: the leader sees it inactive, so the next voter is refused.
    URI ghost = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    long ghostId = add(leader, ghost, false).getMember().getID();
    assertThat(member(leader, ghostId).getName()).isEmpty();
    assertThatThrownBy(
            () -> add(leader(), URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()), false))
        .hasMessage("UNAVAILABLE: etcdserver: unhealthy cluster");

    // Update: a new URL is taken; another member's URL is refused.
    URI moved = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    clusterAt(f)
        .memberUpdate(
            MemberUpdateRequest.newBuilder().setID(ghostId).addPeerURLs(moved.toString()).build());
    await(
        "the update", () -> member(f, ghostId).getPeerURLsList().equals(List.of(moved.toString())));
    assertThatThrownBy(
            () ->
                clusterAt(f)
                    .memberUpdate(
                        MemberUpdateRequest.newBuilder()
                            .setID(ghostId)
                            .addPeerURLs(cluster.get("n1").toString())
                            .build()))
        .hasMessage("FAILED_PRECONDITION: etcdserver: Peer URLs already exists");
  }

  @Test
  void aJoiningMemberAsksPastAMemberThatHasNotAppliedItsAdditionYet() throws Exception {
    // Regression: the joiner asked only the first member of --initial-cluster, which may lag
    // behind the member that answered MemberAdd, and refused to start.
    String leader = leader();
    awaitPublished(leader, 3);
    String lagging = follower(leader);
    servers.get(lagging).detach(); // it cannot learn of the addition, but still answers queries
    URI peer = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    long id = add(leader, peer, true).getMember().getID();
    assertThat(servers.get(lagging).kv().store().member(id)).isNull();
    Map<String, URI> initial = new LinkedHashMap<>();
    initial.put(lagging, cluster.get(lagging)); // asked first
    cluster.forEach(initial::putIfAbsent);
    initial.put("n4", peer);
    ServerConfig n4 = config("n4", peer, initial, false);
    configs.put("n4", n4);
    servers.put("n4", RaftkvServer.start(n4));
    assertThat(servers.get("n4").memberId()).isEqualTo(id);
    servers.get(lagging).attach();
    await("n4 to publish", () -> member(leader, id).getName().equals("n4"));
  }

  @Test
  void aMemberThatWasNotAddedOrCannotReachTheClusterRefusesToStart() throws Exception {
    leader();
    URI peer = URI.create("http://127.0.0.1:" + LoopbackPorts.allocate());
    ServerConfig notAdded = joiner("n9", peer);
    assertThatThrownBy(() -> RaftkvServer.start(notAdded))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has no member with peer URL " + peer)
        .hasMessageContaining("etcdctl member add n9 --peer-urls=" + peer);

    Map<String, URI> nobody = new LinkedHashMap<>();
    nobody.put("x1", URI.create("http://127.0.0.1:" + LoopbackPorts.allocate()));
    nobody.put("n9", peer);
    ServerConfig alone = config("n9", peer, nobody, false);
    assertThatThrownBy(() -> RaftkvServer.start(alone))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no existing member of --initial-cluster answered")
        .hasMessageContaining("x1=" + nobody.get("x1"));
  }

  @Test
  void leaseKeepAliveAndTimeToLiveThroughAFollowerReachTheLeader() throws Exception {
    String leader = leader();
    awaitPublished(leader, 3);
    String f = follower(leader);
    awaitPublished(f, 3);
    ManagedChannel onlyFollower = channel(f);
    long id =
        LeaseGrpc.newBlockingStub(onlyFollower)
            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(5).build())
            .getID();
    // Kept alive for longer than its TTL, only through the follower. Like etcd's clients, start
    // a new stream when one ends with an error (a leader change under load ends it).
    long leaderId = servers.get(leader).memberId();
    int answered = 0;
    int forwardedByLeader = 0;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
    while (System.nanoTime() < until) {
      BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
      StreamObserver<LeaseKeepAliveRequest> stream =
          LeaseGrpc.newStub(onlyFollower)
              .leaseKeepAlive(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                      answers.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                      answers.add(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      while (System.nanoTime() < until) {
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        Object a = answers.poll(20, TimeUnit.SECONDS);
        if (!(a instanceof LeaseKeepAliveResponse r)) {
          assertThat(String.valueOf(a)).contains("UNAVAILABLE");
          break;
        }
        assertThat(r.getTTL()).isEqualTo(5);
        answered++;
        if (r.getHeader().getMemberId() == leaderId) {
          forwardedByLeader++;
        }
        Thread.sleep(500);
      }
      stream.onCompleted();
    }
    assertThat(answered).isGreaterThanOrEqualTo(8);
    assertThat(forwardedByLeader).isPositive(); // answered by the leader, not the follower
    var ttl = ttlWithRetry(onlyFollower, id);
    assertThat(ttl.getGrantedTTL()).isEqualTo(5);
    assertThat(ttl.getTTL()).isBetween(1L, 5L);
  }

  private static dev.raftkv.api.etcdserverpb.LeaseTimeToLiveResponse ttlWithRetry(
      ManagedChannel ch, long id) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        return LeaseGrpc.newBlockingStub(ch)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build());
      } catch (io.grpc.StatusRuntimeException e) {
        if (attempt > 20 || e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}

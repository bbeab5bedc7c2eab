package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrantResponse;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.LeaseKeepAliveRequest;
import dev.raftkv.api.etcdserverpb.LeaseKeepAliveResponse;
import dev.raftkv.api.etcdserverpb.LeaseLeasesRequest;
import dev.raftkv.api.etcdserverpb.LeaseRevokeRequest;
import dev.raftkv.api.etcdserverpb.LeaseStatus;
import dev.raftkv.api.etcdserverpb.LeaseTimeToLiveRequest;
import dev.raftkv.api.etcdserverpb.LeaseTimeToLiveResponse;
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

/** etcd's Lease service on three in-JVM servers: grant, revoke, keep-alive, expiry, failover. */
class EtcdLeaseServiceIT {
  @TempDir Path dir;
  private final Map<String, RaftkvServer> servers = new LinkedHashMap<>();
  private final Map<String, ServerConfig> configs = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    Map<String, URI> cluster = new LinkedHashMap<>();
    Map<String, int[]> ports = new LinkedHashMap<>();
    for (String n : new String[] {"n1", "n2", "n3"}) {
      int[] p = {freePort(), freePort(), freePort()};
      ports.put(n, p);
      cluster.put(n, URI.create("http://127.0.0.1:" + p[1]));
    }
    for (String n : cluster.keySet()) {
      int[] p = ports.get(n);
      configs.put(
          n,
          new ServerConfig(
              n,
              dir.resolve(n),
              URI.create("http://127.0.0.1:" + p[0]),
              cluster.get(n),
              URI.create("http://127.0.0.1:" + p[2]),
              cluster,
              true,
              "lease",
              10,
              100));
    }
    for (Map.Entry<String, ServerConfig> e : configs.entrySet()) {
      servers.put(e.getKey(), RaftkvServer.start(e.getValue()));
    }
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.values().forEach(RaftkvServer::close);
  }

  private static int freePort() throws IOException {
    return LoopbackPorts.allocate();
  }

  private static void await(String what, BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private String leader(String except) throws InterruptedException {
    String[] l = new String[1];
    await(
        "a leader",
        () -> {
          for (Map.Entry<String, RaftkvServer> e : servers.entrySet()) {
            if (!e.getKey().equals(except) && e.getValue().status().role() == Role.LEADER) {
              l[0] = e.getKey();
              return true;
            }
          }
          return false;
        });
    return l[0];
  }

  private String follower(String leader) {
    return servers.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
  }

  private ManagedChannel channel(String at) {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", configs.get(at).clientUrl().getPort())
            .usePlaintext()
            .build();
    channels.add(ch);
    return ch;
  }

  private LeaseGrpc.LeaseBlockingStub lease(String at) {
    return LeaseGrpc.newBlockingStub(channel(at)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private KVGrpc.KVBlockingStub kv(String at) {
    return KVGrpc.newBlockingStub(channel(at)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private long grant(String at, long id, long ttl) {
    return lease(at)
        .leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build())
        .getID();
  }

  private void put(String at, String key, long lease) {
    kv(at)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8("v"))
                .setLease(lease)
                .build());
  }

  private boolean exists(String at, String key) {
    return kv(at)
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build())
            .getCount()
        > 0;
  }

  private LeaseTimeToLiveResponse ttl(String at, long id) {
    return lease(at)
        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build());
  }

  /** One keep-alive on a fresh stream: "TTL n" or the error it ended with. */
  private String keepAliveOnce(String at, long id) throws InterruptedException {
    BlockingQueue<String> answer = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> stream =
        LeaseGrpc.newStub(channel(at))
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    answer.add("TTL " + r.getTTL());
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.add(String.valueOf(t.getMessage()));
                  }

                  @Override
                  public void onCompleted() {}
                });
    stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    String a = answer.poll(20, TimeUnit.SECONDS);
    stream.onCompleted();
    return a;
  }

  @Test
  void grantPutTimeToLiveLeasesAndRevoke() throws Exception {
    String leader = leader(null);
    String follower = follower(leader);
    LeaseGrantResponse g =
        lease(leader).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build());
    long id = g.getID();
    assertThat(id).isPositive();
    assertThat(g.getTTL()).isEqualTo(30);
    assertThat(g.getHeader().getMemberId()).isEqualTo(configs.get(leader).memberId());
    // A client-chosen id, granted through a follower (forwarded by Raft).
    assertThat(grant(follower, 777, 30)).isEqualTo(777);
    assertThatThrownBy(() -> grant(leader, 777, 30))
        .hasMessage("FAILED_PRECONDITION: etcdserver: lease already exists");

    put(leader, "a", id);
    put(follower, "b", id);
    put(leader, "c", 0);
    assertThatThrownBy(() -> put(leader, "d", 12345))
        .hasMessage("NOT_FOUND: etcdserver: requested lease not found");

    LeaseTimeToLiveResponse t = ttl(leader, id);
    assertThat(t.getID()).isEqualTo(id);
    assertThat(t.getGrantedTTL()).isEqualTo(30);
    assertThat(t.getTTL()).isBetween(25L, 30L);
    assertThat(t.getKeysList()).extracting(ByteString::toStringUtf8).containsExactly("a", "b");
    assertThat(ttl(leader, 4242).getTTL()).isEqualTo(-1);
    assertThat(lease(follower).leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList())
        .extracting(LeaseStatus::getID)
        .containsExactlyInAnyOrder(id, 777L);
    // A follower forwards the calls only the leader can answer to the leader's client URL, which
    // the leader published through the log once it started.
    long leaderId = servers.get(leader).memberId();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (servers.get(follower).kv().store().member(leaderId).clientUrls().isEmpty()) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(10);
    }
    LeaseTimeToLiveResponse viaFollower = ttl(follower, id);
    assertThat(viaFollower.getTTL()).isBetween(25L, 30L);
    assertThat(viaFollower.getGrantedTTL()).isEqualTo(30);
    assertThat(viaFollower.getKeysList())
        .extracting(ByteString::toStringUtf8)
        .containsExactly("a", "b");
    assertThat(keepAliveOnce(follower, id)).isEqualTo("TTL 30");
    assertThat(keepAliveOnce(leader, id)).isEqualTo("TTL 30");

    long rev =
        kv(leader)
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("c")).build())
            .getHeader()
            .getRevision();
    long after =
        lease(follower)
            .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build())
            .getHeader()
            .getRevision();
    assertThat(after).isEqualTo(rev + 1); // both keys in one revision
    assertThat(exists(leader, "a")).isFalse();
    assertThat(exists(leader, "b")).isFalse();
    assertThat(exists(leader, "c")).isTrue();
    assertThat(ttl(leader, id).getTTL()).isEqualTo(-1);
    assertThatThrownBy(
            () -> lease(leader).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()))
        .hasMessage("NOT_FOUND: etcdserver: requested lease not found");
  }

  @Test
  void anUnrenewedLeaseExpiresAndAKeptAliveOneDoesNot() throws Exception {
    String leader = leader(null);
    long dying = grant(leader, 0, 1);
    long kept = grant(leader, 0, 1);
    put(leader, "dying", dying);
    put(leader, "kept", kept);

    BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> keepAlive =
        LeaseGrpc.newStub(channel(leader))
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    answers.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3_000);
    while (System.nanoTime() < until) {
      keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(kept).build());
      LeaseKeepAliveResponse r = answers.poll(10, TimeUnit.SECONDS);
      assertThat(r).isNotNull();
      assertThat(r.getID()).isEqualTo(kept);
      assertThat(r.getTTL()).isEqualTo(1);
      Thread.sleep(200);
    }
    // 3 s with TTL 1: the unrenewed lease is gone, with its key; the kept one is there.
    await("the unrenewed lease's key to vanish", () -> !exists(leader, "dying"));
    assertThat(ttl(leader, dying).getTTL()).isEqualTo(-1);
    assertThat(exists(leader, "kept")).isTrue();
    assertThat(ttl(leader, kept).getKeysList()).hasSize(1);

    // A keep-alive for the expired lease answers TTL 0.
    keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(dying).build());
    LeaseKeepAliveResponse gone = answers.poll(10, TimeUnit.SECONDS);
    assertThat(gone).isNotNull();
    assertThat(gone.getTTL()).isZero();
    keepAlive.onCompleted();

    // Once keep-alives stop, the kept lease expires too, on every member.
    await("the kept lease's key to vanish", () -> !exists(leader, "kept"));
    for (String n : servers.keySet()) {
      await(n + " to drop the lease", () -> servers.get(n).kv().store().lease(kept) == null);
    }
  }

  @Test
  void aNewLeaderExtendsLiveLeases() throws Exception {
    String old = leader(null);
    long id = grant(old, 0, 2);
    put(old, "k", id);
    // Most of the TTL passes on the old leader, then it is cut off.
    Thread.sleep(1_500);
    servers.get(old).detach();
    String next = leader(old);
    long elected = System.nanoTime();
    // On the old deadline the lease would be gone by now; the new leader gave it a full TTL.
    Thread.sleep(1_000);
    assertThat(System.nanoTime() - elected).isLessThan(TimeUnit.MILLISECONDS.toNanos(1_900));
    assertThat(exists(next, "k")).isTrue();
    assertThat(ttl(next, id).getTTL()).isGreaterThanOrEqualTo(0);
    assertThat(servers.get(next).kv().store().lease(id)).isNotNull();
    // Not renewed, it still expires under the new leader.
    await("the lease to expire under the new leader", () -> !exists(next, "k"));
    servers.get(old).attach();
  }
}

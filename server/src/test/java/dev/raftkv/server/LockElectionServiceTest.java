package dev.raftkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.raftkv.api.authpb.Permission;
import dev.raftkv.api.etcdserverpb.AuthEnableRequest;
import dev.raftkv.api.etcdserverpb.AuthGrpc;
import dev.raftkv.api.etcdserverpb.AuthRoleAddRequest;
import dev.raftkv.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import dev.raftkv.api.etcdserverpb.AuthUserAddRequest;
import dev.raftkv.api.etcdserverpb.AuthUserGrantRoleRequest;
import dev.raftkv.api.etcdserverpb.AuthenticateRequest;
import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrantRequest;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import dev.raftkv.api.etcdserverpb.LeaseRevokeRequest;
import dev.raftkv.api.etcdserverpb.LeaseTimeToLiveRequest;
import dev.raftkv.api.etcdserverpb.RangeRequest;
import dev.raftkv.api.etcdserverpb.RangeResponse;
import dev.raftkv.api.mvccpb.KeyValue;
import dev.raftkv.api.v3electionpb.CampaignRequest;
import dev.raftkv.api.v3electionpb.CampaignResponse;
import dev.raftkv.api.v3electionpb.ElectionGrpc;
import dev.raftkv.api.v3electionpb.LeaderKey;
import dev.raftkv.api.v3electionpb.LeaderRequest;
import dev.raftkv.api.v3electionpb.LeaderResponse;
import dev.raftkv.api.v3electionpb.ProclaimRequest;
import dev.raftkv.api.v3electionpb.ResignRequest;
import dev.raftkv.api.v3lockpb.LockGrpc;
import dev.raftkv.api.v3lockpb.LockRequest;
import dev.raftkv.api.v3lockpb.LockResponse;
import dev.raftkv.api.v3lockpb.UnlockRequest;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's Lock and Election services against one in-JVM member, through a real gRPC client. */
class LockElectionServiceTest {
  @TempDir Path dir;
  private RaftkvServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = SingleMember.start(dir, "lock");
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", SingleMember.clientPort(server))
            .usePlaintext()
            .build();
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

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private LeaseGrpc.LeaseBlockingStub leases() {
    return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private long grant(long ttl) {
    return leases().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()).getID();
  }

  private void revoke(long lease) {
    leases().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
  }

  private RangeResponse prefix(String p) {
    ByteString key = bs(p);
    byte[] end = key.toByteArray();
    end[end.length - 1]++;
    return KVGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .range(RangeRequest.newBuilder().setKey(key).setRangeEnd(ByteString.copyFrom(end)).build());
  }

  /** A unary call's answer as a future. */
  private static final class Answer<T> extends CompletableFuture<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {
      complete(value);
    }

    @Override
    public void onError(Throwable t) {
      completeExceptionally(t);
    }

    @Override
    public void onCompleted() {}
  }

  private Answer<LockResponse> lock(String name, long lease) {
    Answer<LockResponse> a = new Answer<>();
    LockGrpc.newStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .lock(LockRequest.newBuilder().setName(bs(name)).setLease(lease).build(), a);
    return a;
  }

  private void unlock(ByteString key) {
    LockGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .unlock(UnlockRequest.newBuilder().setKey(key).build());
  }

  private Answer<CampaignResponse> campaign(String name, long lease, String value) {
    Answer<CampaignResponse> a = new Answer<>();
    ElectionGrpc.newStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .campaign(
            CampaignRequest.newBuilder()
                .setName(bs(name))
                .setLease(lease)
                .setValue(bs(value))
                .build(),
            a);
    return a;
  }

  private ElectionGrpc.ElectionBlockingStub election() {
    return ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static <T> T done(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  /** {@code f} is still waiting (it cannot be done while what it waits for holds). */
  private static void assertPending(CompletableFuture<?> f) throws Exception {
    assertThatThrownBy(() -> f.get(300, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
  }

  /** Waits until the name's prefix holds {@code n} keys (the contenders queued). */
  private void awaitQueued(String name, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (prefix(name + "/").getCount() != n) {
      assertThat(System.nanoTime()).as(n + " contenders queued").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static Status statusOf(Throwable t) {
    Throwable c = t instanceof ExecutionException ? t.getCause() : t;
    return ((StatusRuntimeException) c).getStatus();
  }

  @Test
  void lockIsMutuallyExclusiveAndGrantedInArrivalOrder() throws Exception {
    long a = grant(60);
    long b = grant(60);
    long c = grant(60);
    LockResponse first = done(lock("m", a));
    assertThat(first.getKey()).isEqualTo(bs("m/" + Long.toHexString(a)));
    Answer<LockResponse> second = lock("m", b);
    awaitQueued("m", 2);
    Answer<LockResponse> third = lock("m", c);
    awaitQueued("m", 3);
    assertPending(second);
    assertPending(third);

    unlock(first.getKey());
    LockResponse got = done(second);
    assertThat(got.getKey()).isEqualTo(bs("m/" + Long.toHexString(b)));
    assertThat(got.getHeader().getRevision()).isGreaterThan(first.getHeader().getRevision());
    assertPending(third);

    unlock(got.getKey());
    assertThat(done(third).getKey()).isEqualTo(bs("m/" + Long.toHexString(c)));
  }

  @Test
  void lockingAgainWithTheSameLeaseIsTheSameHold() throws Exception {
    long a = grant(60);
    LockResponse first = done(lock("same", a));
    LockResponse again = done(lock("same", a));
    assertThat(again.getKey()).isEqualTo(first.getKey());
    assertThat(prefix("same/").getCount()).isEqualTo(1);
  }

  @Test
  void theHoldersLeaseEndingHandsTheLockOn() throws Exception {
    long a = grant(60);
    long b = grant(60);
    done(lock("r", a));
    Answer<LockResponse> waiting = lock("r", b);
    awaitQueued("r", 2);
    revoke(a);
    assertThat(done(waiting).getKey()).isEqualTo(bs("r/" + Long.toHexString(b)));
  }

  @Test
  void aWaiterWhoseLeaseEndsFailsAsEtcds() throws Exception {
    long a = grant(60);
    long b = grant(60);
    done(lock("x", a));
    Answer<LockResponse> waiting = lock("x", b);
    awaitQueued("x", 2);
    revoke(b);
    assertThatThrownBy(() -> done(waiting))
        .satisfies(
            t -> {
              assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.UNKNOWN);
              assertThat(statusOf(t).getDescription()).isEqualTo("mutex: session is expired");
            });
    assertThat(prefix("x/").getKvsList())
        .extracting(KeyValue::getKey)
        .containsExactly(bs("x/" + Long.toHexString(a)));
  }

  @Test
  void aCancelledWaiterDeletesItsKey() throws Exception {
    long a = grant(60);
    long b = grant(60);
    LockResponse held = done(lock("c", a));
    Context.CancellableContext ctx = Context.current().withCancellation();
    Answer<LockResponse> waiting = new Answer<>();
    ctx.run(
        () ->
            LockGrpc.newStub(channel)
                .lock(LockRequest.newBuilder().setName(bs("c")).setLease(b).build(), waiting));
    awaitQueued("c", 2);
    ctx.cancel(null);
    awaitQueued("c", 1);
    assertThat(prefix("c/").getKvs(0).getKey()).isEqualTo(held.getKey());
  }

  @Test
  void lockWithoutLeaseGetsAnEtcdSessionLease() throws Exception {
    LockResponse r = done(lock("nolease", 0));
    KeyValue kv = prefix("nolease/").getKvs(0);
    assertThat(kv.getKey()).isEqualTo(r.getKey());
    assertThat(kv.getLease()).isNotZero();
    assertThat(r.getKey()).isEqualTo(bs("nolease/" + Long.toHexString(kv.getLease())));
    long granted =
        leases()
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(kv.getLease()).build())
            .getGrantedTTL();
    assertThat(granted).isEqualTo(OwnerQueue.SESSION_TTL_SECONDS);
  }

  @Test
  void lockWithAnUnknownLeaseFails() {
    assertThatThrownBy(() -> done(lock("bad", 123456)))
        .satisfies(
            t -> {
              assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(statusOf(t).getDescription())
                  .isEqualTo("etcdserver: requested lease not found");
            });
  }

  @Test
  void electionCampaignProclaimLeaderObserveResign() throws Exception {
    LinkedBlockingQueue<Object> observed = new LinkedBlockingQueue<>();
    ElectionGrpc.newStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .observe(
            LeaderRequest.newBuilder().setName(bs("e")).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(LeaderResponse r) {
                observed.add(r);
              }

              @Override
              public void onError(Throwable t) {
                observed.add(t);
              }

              @Override
              public void onCompleted() {
                observed.add("completed");
              }
            });
    assertThatThrownBy(() -> election().leader(LeaderRequest.newBuilder().setName(bs("e")).build()))
        .satisfies(
            t -> {
              assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.UNKNOWN);
              assertThat(statusOf(t).getDescription()).isEqualTo("election: no leader");
            });

    long a = grant(60);
    long b = grant(60);
    CampaignResponse ca = done(campaign("e", a, "alpha"));
    LeaderKey la = ca.getLeader();
    assertThat(la.getName()).isEqualTo(bs("e"));
    assertThat(la.getKey()).isEqualTo(bs("e/" + Long.toHexString(a)));
    assertThat(la.getLease()).isEqualTo(a);
    assertThat(la.getRev()).isEqualTo(ca.getHeader().getRevision());
    assertThat(observedValue(observed)).isEqualTo("alpha");

    Answer<CampaignResponse> cb = campaign("e", b, "beta");
    awaitQueued("e", 2);
    assertPending(cb);

    election().proclaim(ProclaimRequest.newBuilder().setLeader(la).setValue(bs("alpha2")).build());
    LeaderResponse leader = election().leader(LeaderRequest.newBuilder().setName(bs("e")).build());
    assertThat(leader.getKv().getValue()).isEqualTo(bs("alpha2"));
    assertThat(leader.getKv().getCreateRevision()).isEqualTo(la.getRev());
    assertThat(observedValue(observed)).isEqualTo("alpha2");

    election().resign(ResignRequest.newBuilder().setLeader(la).build());
    LeaderKey lb = done(cb).getLeader();
    assertThat(lb.getKey()).isEqualTo(bs("e/" + Long.toHexString(b)));
    assertThat(observedValue(observed)).isEqualTo("beta");

    // the old leader key no longer leads
    assertThatThrownBy(
            () ->
                election()
                    .proclaim(
                        ProclaimRequest.newBuilder().setLeader(la).setValue(bs("late")).build()))
        .satisfies(
            t -> {
              assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.UNKNOWN);
              assertThat(statusOf(t).getDescription()).isEqualTo("election: not leader");
            });
    election().resign(ResignRequest.newBuilder().setLeader(lb).build());
    assertThat(prefix("e/").getCount()).isZero();
    assertThat(observed.poll(300, TimeUnit.MILLISECONDS)).as("nothing after resign").isNull();

    // a new campaign is observed on the same stream
    done(campaign("e", a, "gamma"));
    assertThat(observedValue(observed)).isEqualTo("gamma");
  }

  private static String observedValue(LinkedBlockingQueue<Object> observed) throws Exception {
    Object o = observed.poll(20, TimeUnit.SECONDS);
    assertThat(o).as("an observed leader within 20 s").isInstanceOf(LeaderResponse.class);
    return ((LeaderResponse) o).getKv().getValue().toStringUtf8();
  }

  @Test
  void campaigningAgainWithTheSameLeaseKeepsThePlaceAndProclaims() throws Exception {
    long a = grant(60);
    CampaignResponse first = done(campaign("again", a, "one"));
    CampaignResponse second = done(campaign("again", a, "two"));
    assertThat(second.getLeader()).isEqualTo(first.getLeader());
    assertThat(prefix("again/").getKvs(0).getValue()).isEqualTo(bs("two"));
  }

  @Test
  void aCancelledCampaignResigns() throws Exception {
    long a = grant(60);
    long b = grant(60);
    done(campaign("cc", a, "a"));
    Context.CancellableContext ctx = Context.current().withCancellation();
    Answer<CampaignResponse> waiting = new Answer<>();
    ctx.run(
        () ->
            ElectionGrpc.newStub(channel)
                .campaign(
                    CampaignRequest.newBuilder()
                        .setName(bs("cc"))
                        .setLease(b)
                        .setValue(bs("b"))
                        .build(),
                    waiting));
    awaitQueued("cc", 2);
    ctx.cancel(null);
    awaitQueued("cc", 1);
  }

  @Test
  void callsCarryTheCallersCredentials() throws Exception {
    AuthGrpc.AuthBlockingStub auth =
        AuthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
    auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
    auth.userGrantRole(
        AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
    auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("a-rw").build());
    auth.roleGrantPermission(
        AuthRoleGrantPermissionRequest.newBuilder()
            .setName("a-rw")
            .setPerm(
                Permission.newBuilder()
                    .setKey(bs("a/"))
                    .setRangeEnd(bs("a0"))
                    .setPermType(Permission.Type.READWRITE))
            .build());
    auth.userAdd(AuthUserAddRequest.newBuilder().setName("alice").setPassword("alicepw").build());
    auth.userGrantRole(
        AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("a-rw").build());
    auth.authEnable(AuthEnableRequest.getDefaultInstance());
    String token =
        auth.authenticate(
                AuthenticateRequest.newBuilder().setName("alice").setPassword("alicepw").build())
            .getToken();
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    ClientInterceptor alice = MetadataUtils.newAttachHeadersInterceptor(md);
    long lease =
        LeaseGrpc.newBlockingStub(channel)
            .withInterceptors(alice)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build())
            .getID();
    LockGrpc.LockBlockingStub locks =
        LockGrpc.newBlockingStub(channel)
            .withInterceptors(alice)
            .withDeadlineAfter(20, TimeUnit.SECONDS);

    assertThat(
            locks.lock(LockRequest.newBuilder().setName(bs("a")).setLease(lease).build()).getKey())
        .isEqualTo(bs("a/" + Long.toHexString(lease)));
    assertThatThrownBy(
            () -> locks.lock(LockRequest.newBuilder().setName(bs("b")).setLease(lease).build()))
        .satisfies(
            t -> {
              assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(statusOf(t).getDescription()).isEqualTo("etcdserver: permission denied");
            });
    assertThatThrownBy(
            () ->
                ElectionGrpc.newBlockingStub(channel)
                    .withInterceptors(alice)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .leader(LeaderRequest.newBuilder().setName(bs("b")).build()))
        .satisfies(t -> assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(
            () ->
                LockGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .lock(LockRequest.newBuilder().setName(bs("a")).setLease(lease).build()))
        .satisfies(
            t ->
                assertThat(statusOf(t).getDescription())
                    .isEqualTo("etcdserver: user name is empty"));
  }

  @Test
  void proclaimAndResignWithoutALeaderKeyFailAsEtcds() {
    assertThatThrownBy(() -> election().proclaim(ProclaimRequest.getDefaultInstance()))
        .satisfies(
            t ->
                assertThat(statusOf(t).getDescription())
                    .isEqualTo("\"leader\" field must be provided"));
    assertThatThrownBy(() -> election().resign(ResignRequest.getDefaultInstance()))
        .satisfies(
            t ->
                assertThat(statusOf(t).getDescription())
                    .isEqualTo("\"leader\" field must be provided"));
  }
}

package dev.raftkv.compat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jetcd 0.8.5's lock and election clients, unchanged, against a 3-member raftkv: the cases of
 * jetcd's own {@code LockTest} and {@code ElectionTest} (written anew here), with their timing
 * bounds, which etcd meets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JetcdLockElectionIT {
  private static final long WAIT_S = 20;
  private static final ByteSequence NS1 = bs("test-ns/");
  private static final ByteSequence NS2 = bs("test-ns2/");

  private RaftkvCluster cluster;
  private final List<Client> clients = new ArrayList<>();
  private Client client;

  @BeforeAll
  void startCluster(@TempDir Path dir) throws Exception {
    cluster = RaftkvCluster.start(dir, 3);
    client = newClient(null);
  }

  @AfterAll
  void stopCluster() {
    clients.forEach(Client::close);
    if (cluster != null) {
      cluster.close();
    }
  }

  private Client newClient(ByteSequence namespace) {
    var b =
        Client.builder()
            .endpoints(
                cluster.clientEndpoints().stream().map(e -> "http://" + e).toArray(String[]::new));
    if (namespace != null) {
      b.namespace(namespace);
    }
    Client c = b.build();
    clients.add(c);
    return c;
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  private static ByteSequence unique(String what) {
    return bs(what + "-" + UUID.randomUUID());
  }

  private long grant(long ttl) throws Exception {
    return client.getLeaseClient().grant(ttl).get(WAIT_S, TimeUnit.SECONDS).getID();
  }

  private List<KeyValue> under(ByteSequence name) throws Exception {
    return client
        .getKVClient()
        .get(name, GetOption.builder().isPrefix(true).build())
        .get(WAIT_S, TimeUnit.SECONDS)
        .getKvs();
  }

  private static <T> T done(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT_S, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------------
  // Lock (jetcd's LockTest)

  private Lock locks(boolean namespaced) {
    return newClient(namespaced ? NS1 : null).getLockClient();
  }

  @ParameterizedTest(name = "namespaced={0}")
  @ValueSource(booleans = {true, false})
  void lockWithoutALease(boolean namespaced) throws Exception {
    Lock lock = locks(namespaced);
    LockResponse r = done(lock.lock(unique("nolease"), 0));
    assertThat(r.getHeader()).isNotNull();
    assertThat(r.getKey()).isNotNull();
    done(lock.unlock(r.getKey()));
  }

  @ParameterizedTest(name = "namespaced={0}")
  @ValueSource(booleans = {true, false})
  void lockWithALeaseThatDoesNotExistFails(boolean namespaced) {
    Lock lock = locks(namespaced);
    assertThatThrownBy(() -> done(lock.lock(unique("nosuchlease"), 123456)))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("etcdserver: requested lease not found");
  }

  @ParameterizedTest(name = "namespaced={0}")
  @ValueSource(booleans = {true, false})
  void aLockHeldByALeaseIsReleasedWhenTheLeaseRunsOut(boolean namespaced) throws Exception {
    Lock lock = locks(namespaced);
    ByteSequence name = unique("expiring");
    LockResponse first = done(lock.lock(name, grant(5)));
    long start = System.currentTimeMillis();
    LockResponse second = done(lock.lock(name, 0));
    long waited = System.currentTimeMillis() - start;
    assertThat(second.getKey()).isNotEqualTo(first.getKey());
    assertThat(waited).as("waited for the 5 s lease, ms").isBetween(4500L, 6000L);
    done(lock.unlock(second.getKey()));
  }

  @ParameterizedTest(name = "namespaced={0}")
  @ValueSource(booleans = {true, false})
  void anUnlockedLockIsTakenAtOnce(boolean namespaced) throws Exception {
    Lock lock = locks(namespaced);
    ByteSequence name = unique("unlocked");
    LockResponse first = done(lock.lock(name, grant(20)));
    done(lock.unlock(first.getKey()));
    long start = System.currentTimeMillis();
    LockResponse second = done(lock.lock(name, 0));
    long waited = System.currentTimeMillis() - start;
    assertThat(second.getKey()).isNotEqualTo(first.getKey());
    assertThat(waited).as("ms to take a free lock").isLessThanOrEqualTo(500L);
    done(lock.unlock(second.getKey()));
  }

  @Test
  void namespacesKeepLocksApart() throws Exception {
    Lock plain = locks(false);
    Lock ns1 = newClient(NS1).getLockClient();
    Lock ns2 = newClient(NS2).getLockClient();
    ByteSequence name = unique("segregated");

    LockResponse held = done(ns1.lock(name, grant(5)));
    assertThat(held.getKey().startsWith(name)).isTrue();
    // the plain client unlocks it by its full key
    done(plain.unlock(NS1.concat(held.getKey())));
    long start = System.currentTimeMillis();
    LockResponse again = done(ns1.lock(name, grant(30)));
    assertThat(again.getKey().startsWith(name)).isTrue();
    assertThat(again.getKey()).isNotEqualTo(held.getKey());
    assertThat(System.currentTimeMillis() - start).isLessThanOrEqualTo(1000L);

    // the same name in another namespace is another lock
    start = System.currentTimeMillis();
    LockResponse other = done(ns2.lock(name, grant(5)));
    assertThat(other.getKey().startsWith(name)).isTrue();
    assertThat(System.currentTimeMillis() - start).isLessThanOrEqualTo(1000L);

    done(plain.unlock(NS1.concat(again.getKey())));
    done(plain.unlock(NS2.concat(other.getKey())));
  }

  @Test
  void waitersGetTheLockOneAtATimeInArrivalOrder() throws Exception {
    ByteSequence name = unique("fifo");
    Lock lock = locks(false);
    LockResponse first = done(lock.lock(name, grant(60)));
    List<CompletableFuture<LockResponse>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(lock.lock(name, grant(60)));
      int queued = i + 2;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (under(name).size() != queued) {
        assertThat(System.nanoTime()).as(queued + " queued").isLessThan(deadline);
        Thread.sleep(10);
      }
    }
    ByteSequence holder = first.getKey();
    for (CompletableFuture<LockResponse> next : waiting) {
      assertThat(waiting.stream().filter(CompletableFuture::isDone)).isEmpty();
      done(lock.unlock(holder));
      holder = done(next).getKey();
      waiting = waiting.subList(1, waiting.size());
    }
    done(lock.unlock(holder));
  }

  // ---------------------------------------------------------------------------------------------
  // Election (jetcd's ElectionTest)

  @Test
  void anElectionWithOneCandidate() throws Exception {
    Election election = client.getElectionClient();
    ByteSequence name = unique("isolated");
    long lease = grant(10);
    CampaignResponse campaign = done(election.campaign(name, lease, bs("proposal1")));
    LeaderKey leader = campaign.getLeader();
    assertThat(leader.getLease()).isEqualTo(lease);
    assertThat(leader.getName()).isEqualTo(name);
    List<KeyValue> keys = under(name);
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).getKey()).isEqualTo(leader.getKey());
    assertThat(keys.get(0).getValue()).isEqualTo(bs("proposal1"));

    LeaderResponse current = done(election.leader(name));
    assertThat(current.getKv().getKey()).isEqualTo(leader.getKey());
    assertThat(current.getKv().getValue()).isEqualTo(bs("proposal1"));
    assertThat(current.getKv().getLease()).isEqualTo(lease);
    assertThat(current.getKv().getCreateRevision()).isEqualTo(leader.getRevision());

    done(election.proclaim(leader, bs("proposal2")));
    keys = under(name);
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).getValue()).isEqualTo(bs("proposal2"));

    done(election.resign(leader));
    assertThat(under(name)).isEmpty();
    done(client.getLeaseClient().revoke(lease));
  }

  @Test
  void anElectionWithoutCandidatesHasNoLeader() {
    assertThatThrownBy(() -> done(client.getElectionClient().leader(unique("empty"))))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NoLeaderException.class);
  }

  @Test
  void campaigningAgainWithAnotherValueKeepsLeadershipAndProclaims() throws Exception {
    Election election = client.getElectionClient();
    ByteSequence name = unique("retry");
    long lease = grant(10);
    CampaignResponse first = done(election.campaign(name, lease, bs("proposal1")));
    CampaignResponse second = done(election.campaign(name, lease, bs("proposal2")));
    assertThat(done(election.leader(name)).getKv().getKey()).isEqualTo(first.getLeader().getKey());
    assertThat(second.getLeader().getKey()).isEqualTo(first.getLeader().getKey());
    assertThat(second.getLeader().getRevision()).isEqualTo(first.getLeader().getRevision());
    List<KeyValue> keys = under(name);
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).getValue()).isEqualTo(bs("proposal2"));
    done(election.resign(first.getLeader()));
    done(client.getLeaseClient().revoke(lease));
  }

  @Test
  void proclaimingWithoutLeadingFails() throws Exception {
    ByteSequence name = unique("notleader");
    LeaderKey fake = new LeaderKey(name, unique("key"), 1, 1);
    assertThatThrownBy(() -> done(client.getElectionClient().proclaim(fake, bs("proposal"))))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NotLeaderException.class);
    assertThat(under(name)).isEmpty();
  }

  @Test
  void observersSeeEveryLeader() throws Exception {
    Election election = client.getElectionClient();
    ByteSequence name = unique("observed");
    AtomicInteger seen = new AtomicInteger();
    AtomicBoolean failed = new AtomicBoolean();
    election.observe(
        name,
        new Election.Listener() {
          @Override
          public void onNext(LeaderResponse response) {
            seen.incrementAndGet();
          }

          @Override
          public void onError(Throwable error) {
            failed.set(true);
          }

          @Override
          public void onCompleted() {}
        });
    long lease = grant(10);
    for (int i = 0; i < 3; i++) {
      CampaignResponse c = done(election.campaign(name, lease, unique("proposal")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (seen.get() != i + 1) {
        assertThat(System.nanoTime()).as("leader " + (i + 1) + " observed").isLessThan(deadline);
        Thread.sleep(10);
      }
      done(election.resign(c.getLeader()));
    }
    assertThat(seen.get()).isEqualTo(3);
    assertThat(failed.get()).isFalse();
    done(client.getLeaseClient().revoke(lease));
  }

  @Test
  void leadershipIsABarrier() throws Exception {
    int contenders = 5;
    ByteSequence name = unique("barrier");
    AtomicInteger shared = new AtomicInteger();
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < contenders; i++) {
      Client c = newClient(null);
      long lease = c.getLeaseClient().grant(100).get(WAIT_S, TimeUnit.SECONDS).getID();
      ByteSequence proposal = bs(Integer.toString(i));
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  Election e = c.getElectionClient();
                  CampaignResponse won = done(e.campaign(name, lease, proposal));
                  if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                  }
                  int copy = shared.get();
                  Thread.sleep(200);
                  shared.set(copy + 1);
                  inside.decrementAndGet();
                  done(e.resign(won.getLeader()));
                  done(c.getLeaseClient().revoke(lease));
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertThat(overlaps.get()).isZero();
    assertThat(shared.get()).isEqualTo(contenders);
    assertThat(under(name)).isEmpty();
  }
}

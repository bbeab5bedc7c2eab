package dev.raftkv.compat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Java client, jetcd 0.8.5, used unchanged against a 3-member raftkv: KV, Txn, Watch (also
 * across a stop and restart of the member the watch runs through), Lease (keep-alive and expiry),
 * Cluster and Maintenance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JetcdIT {
  private static final long WAIT_S = 20;

  private RaftkvCluster cluster;
  private Client client;

  @BeforeAll
  void startCluster(@TempDir Path dir) throws Exception {
    cluster = RaftkvCluster.start(dir, 3);
    client = Client.builder().endpoints(urls(List.of(0, 1, 2))).build();
  }

  @AfterAll
  void stopCluster() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private String[] urls(List<Integer> members) {
    List<String> endpoints = cluster.clientEndpoints();
    return members.stream().map(i -> "http://" + endpoints.get(i)).toArray(String[]::new);
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  private static String str(ByteSequence b) {
    return b.toString(UTF_8);
  }

  @Test
  void putGetDeleteAndPrefixes() throws Exception {
    KV kv = client.getKVClient();
    long r1 = kv.put(bs("kv/a"), bs("1")).get(WAIT_S, TimeUnit.SECONDS).getHeader().getRevision();
    kv.put(bs("kv/b"), bs("2")).get(WAIT_S, TimeUnit.SECONDS);
    var second =
        kv.put(bs("kv/a"), bs("3"), PutOption.builder().withPrevKV().build())
            .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(second.hasPrevKv()).isTrue();
    assertThat(str(second.getPrevKv().getValue())).isEqualTo("1");
    kv.put(bs("kw"), bs("outside")).get(WAIT_S, TimeUnit.SECONDS);

    GetResponse a = kv.get(bs("kv/a")).get(WAIT_S, TimeUnit.SECONDS);
    assertThat(a.getKvs()).hasSize(1);
    KeyValue akv = a.getKvs().get(0);
    assertThat(str(akv.getValue())).isEqualTo("3");
    assertThat(akv.getVersion()).isEqualTo(2);
    assertThat(akv.getCreateRevision()).isEqualTo(r1);
    assertThat(akv.getModRevision()).isEqualTo(second.getHeader().getRevision());

    GetResponse prefix =
        kv.get(bs("kv/"), GetOption.builder().isPrefix(true).build()).get(WAIT_S, TimeUnit.SECONDS);
    assertThat(prefix.getKvs().stream().map(k -> str(k.getKey()))).containsExactly("kv/a", "kv/b");
    assertThat(prefix.getCount()).isEqualTo(2);

    GetResponse old =
        kv.get(bs("kv/a"), GetOption.builder().withRevision(r1).build())
            .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(str(old.getKvs().get(0).getValue())).isEqualTo("1");

    GetResponse limited =
        kv.get(
                bs("kv/"),
                GetOption.builder()
                    .isPrefix(true)
                    .withLimit(1)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .build())
            .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(limited.getKvs().stream().map(k -> str(k.getKey()))).containsExactly("kv/b");
    assertThat(limited.isMore()).isTrue();

    DeleteResponse del =
        kv.delete(bs("kv/"), DeleteOption.builder().isPrefix(true).withPrevKV(true).build())
            .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(del.getDeleted()).isEqualTo(2);
    assertThat(del.getPrevKvs().stream().map(k -> str(k.getValue()))).containsExactly("3", "2");
    assertThat(kv.get(bs("kv/"), GetOption.builder().isPrefix(true).build()).get().getKvs())
        .isEmpty();
    assertThat(kv.get(bs("kw")).get(WAIT_S, TimeUnit.SECONDS).getKvs()).hasSize(1);
  }

  @Test
  void txnTakesTheBranchItsComparesChoose() throws Exception {
    KV kv = client.getKVClient();
    kv.put(bs("txn/k"), bs("v1")).get(WAIT_S, TimeUnit.SECONDS);
    TxnResponse hit =
        kv.txn()
            .If(new Cmp(bs("txn/k"), Cmp.Op.EQUAL, CmpTarget.value(bs("v1"))))
            .Then(Op.put(bs("txn/k"), bs("v2"), PutOption.DEFAULT))
            .Else(Op.get(bs("txn/k"), GetOption.DEFAULT))
            .commit()
            .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(hit.isSucceeded()).isTrue();
    assertThat(hit.getPutResponses()).hasSize(1);
    TxnResponse miss =
        kv.txn()
            .If(new Cmp(bs("txn/k"), Cmp.Op.EQUAL, CmpTarget.value(bs("v1"))))
            .Then(Op.put(bs("txn/k"), bs("v3"), PutOption.DEFAULT))
            .Else(Op.get(bs("txn/k"), GetOption.DEFAULT))
            .commit()
            .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(miss.isSucceeded()).isFalse();
    assertThat(str(miss.getGetResponses().get(0).getKvs().get(0).getValue())).isEqualTo("v2");
    TxnResponse version =
        kv.txn()
            .If(new Cmp(bs("txn/k"), Cmp.Op.GREATER, CmpTarget.version(1)))
            .Then(Op.delete(bs("txn/k"), DeleteOption.DEFAULT))
            .commit()
            .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(version.isSucceeded()).isTrue();
    assertThat(version.getDeleteResponses().get(0).getDeleted()).isEqualTo(1);
  }

  @Test
  void watchSeesEveryEventOnceAcrossAStopAndRestartOfItsMember() throws Exception {
    int leader = cluster.leader();
    int watched = (leader + 1) % 3; // a follower: stopping it keeps the cluster writable
    List<Integer> others = new ArrayList<>(List.of(0, 1, 2));
    others.remove(Integer.valueOf(watched));
    List<String> seen = new CopyOnWriteArrayList<>();
    List<Long> revisions = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    try (Client watchClient = Client.builder().endpoints(urls(List.of(watched))).build();
        Client writer = Client.builder().endpoints(urls(others)).build()) {
      KV kv = writer.getKVClient();
      long start =
          kv.put(bs("w/0"), bs("0")).get(WAIT_S, TimeUnit.SECONDS).getHeader().getRevision();
      Watch.Watcher watcher =
          watchClient
              .getWatchClient()
              .watch(
                  bs("w/"),
                  WatchOption.builder().isPrefix(true).withRevision(start).build(),
                  r -> {
                    for (WatchEvent e : r.getEvents()) {
                      seen.add(e.getEventType() + " " + str(e.getKeyValue().getKey()));
                      revisions.add(e.getKeyValue().getModRevision());
                    }
                  },
                  errors::add);
      try {
        List<String> expected = new ArrayList<>(List.of("PUT w/0"));
        for (int i = 1; i <= 5; i++) {
          kv.put(bs("w/" + i), bs("x")).get(WAIT_S, TimeUnit.SECONDS);
          expected.add("PUT w/" + i);
        }
        awaitSize(seen, expected.size(), errors);
        cluster.stop(watched);
        for (int i = 6; i <= 10; i++) {
          kv.put(bs("w/" + i), bs("x")).get(WAIT_S, TimeUnit.SECONDS);
          expected.add("PUT w/" + i);
        }
        kv.delete(bs("w/3")).get(WAIT_S, TimeUnit.SECONDS);
        expected.add("DELETE w/3");
        cluster.restart(watched);
        for (int i = 11; i <= 13; i++) {
          kv.put(bs("w/" + i), bs("x")).get(WAIT_S, TimeUnit.SECONDS);
          expected.add("PUT w/" + i);
        }
        awaitSize(seen, expected.size(), errors);
        Thread.sleep(300); // nothing more may come
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(revisions).isSorted().doesNotHaveDuplicates();
      } finally {
        watcher.close();
      }
    }
  }

  private static void awaitSize(List<?> list, int size, List<Throwable> errors)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (list.size() < size && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(list)
        .as("events within 30 s; the watch reported " + errors)
        .hasSizeGreaterThanOrEqualTo(size);
  }

  @Test
  void aKeptAliveLeaseKeepsItsKeysAndAnExpiredOneDeletesThem() throws Exception {
    // through a follower only: it forwards keep-alive and time-to-live to the leader, as etcd's do
    try (Client followerClient =
        Client.builder().endpoints(urls(List.of((cluster.leader() + 1) % 3))).build()) {
      var lease = followerClient.getLeaseClient();
      KV kv = followerClient.getKVClient();
      long id = lease.grant(2).get(WAIT_S, TimeUnit.SECONDS).getID();
      kv.put(bs("lease/a"), bs("1"), PutOption.builder().withLeaseId(id).build())
          .get(WAIT_S, TimeUnit.SECONDS);
      kv.put(bs("lease/b"), bs("2"), PutOption.builder().withLeaseId(id).build())
          .get(WAIT_S, TimeUnit.SECONDS);
      LeaseTimeToLiveResponse ttl =
          lease
              .timeToLive(id, LeaseOption.builder().withAttachedKeys().build())
              .get(WAIT_S, TimeUnit.SECONDS);
      assertThat(ttl.getGrantedTTL()).isEqualTo(2);
      assertThat(ttl.getKeys().stream().map(JetcdIT::str).collect(Collectors.toSet()))
          .isEqualTo(Set.of("lease/a", "lease/b"));

      AtomicInteger keepAlives = new AtomicInteger();
      CloseableClient keepAlive =
          lease.keepAlive(
              id,
              new StreamObserver<LeaseKeepAliveResponse>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                  keepAlives.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
              });
      Thread.sleep(4_000); // twice the TTL
      assertThat(keepAlives.get()).isGreaterThanOrEqualTo(1);
      assertThat(kv.get(bs("lease/a")).get(WAIT_S, TimeUnit.SECONDS).getKvs()).hasSize(1);
      keepAlive.close();

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      GetResponse left;
      do {
        Thread.sleep(100);
        left =
            kv.get(bs("lease/"), GetOption.builder().isPrefix(true).build())
                .get(WAIT_S, TimeUnit.SECONDS);
      } while (!left.getKvs().isEmpty() && System.nanoTime() < deadline);
      assertThat(left.getKvs()).as("keys of the expired lease").isEmpty();
      assertThat(lease.timeToLive(id, LeaseOption.DEFAULT).get(WAIT_S, TimeUnit.SECONDS).getTTL())
          .isEqualTo(-1);
    }
  }

  /**
   * jetcd's WatchTest pattern, 50 times over the 3 members (the watch and the put may reach
   * different members): a watch that announced its creation sees the put made right after, every
   * time. A watch with start revision 0 is registered at the revision its member has when the
   * create arrives, and every later write gets a higher revision on every member.
   */
  @Test
  void aWatchSeesEveryPutMadeAfterItsCreatedResponse() throws Exception {
    KV kv = client.getKVClient();
    int missed = 0;
    for (int i = 0; i < 50; i++) {
      ByteSequence key = bs("watch-race/" + i);
      java.util.concurrent.CountDownLatch created = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
      Watch.Watcher watcher =
          client
              .getWatchClient()
              .watch(
                  key,
                  WatchOption.builder().withCreateNotify(true).build(),
                  r -> {
                    if (r.isCreatedNotify()) {
                      created.countDown();
                    }
                    for (WatchEvent e : r.getEvents()) {
                      if (e.getKeyValue().getKey().equals(key)) {
                        seen.countDown();
                      }
                    }
                  });
      try {
        assertThat(created.await(WAIT_S, TimeUnit.SECONDS)).as("created, watch " + i).isTrue();
        kv.put(key, bs("v")).get(WAIT_S, TimeUnit.SECONDS);
        if (!seen.await(WAIT_S, TimeUnit.SECONDS)) {
          missed++;
        }
      } finally {
        watcher.close();
      }
    }
    assertThat(missed).as("puts missed by a watch created before them, of 50").isZero();
  }

  /**
   * jetcd's WatchTest exactly: watch, then put at once without waiting for the watch to be created,
   * 50 times, through one member (one connection: the create request is sent before the put). The
   * member registers the watch when it reads the create, before it reads the put.
   */
  @Test
  void aWatchThenAnImmediatePutThroughOneMemberNeverMissesTheEvent() throws Exception {
    int missed = 0;
    try (Client one = Client.builder().endpoints(urls(List.of(0))).build()) {
      KV kv = one.getKVClient();
      for (int i = 0; i < 50; i++) {
        ByteSequence key = bs("watch-at-once/" + i);
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
        Watch.Watcher watcher =
            one.getWatchClient()
                .watch(
                    key,
                    r -> {
                      for (WatchEvent e : r.getEvents()) {
                        if (e.getKeyValue().getKey().equals(key)) {
                          seen.countDown();
                        }
                      }
                    });
        try {
          kv.put(key, bs("v")).get(WAIT_S, TimeUnit.SECONDS);
          if (!seen.await(5, TimeUnit.SECONDS)) {
            missed++;
          }
        } finally {
          watcher.close();
        }
      }
    }
    assertThat(missed).as("puts missed by a watch created just before them, of 50").isZero();
  }

  @Test
  void memberListNamesEveryMember() throws Exception {
    List<Member> members =
        client.getClusterClient().listMember().get(WAIT_S, TimeUnit.SECONDS).getMembers();
    assertThat(members).hasSize(3);
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      ids.add(cluster.memberId(i));
    }
    assertThat(members.stream().map(Member::getId).collect(Collectors.toSet())).isEqualTo(ids);
    assertThat(members.stream().map(Member::getName).collect(Collectors.toSet()))
        .isEqualTo(Set.of("r1", "r2", "r3"));
    for (Member m : members) {
      assertThat(m.getPeerURIs()).hasSize(1);
      assertThat(m.isLearner()).isFalse();
    }
  }

  @Test
  void statusHashKvAndMoveLeader() throws Exception {
    client.getKVClient().put(bs("m/k"), bs("v")).get(WAIT_S, TimeUnit.SECONDS);
    long rev =
        client.getKVClient().get(bs("m/k")).get(WAIT_S, TimeUnit.SECONDS).getHeader().getRevision();
    String[] endpoints = urls(List.of(0, 1, 2));
    int leader = cluster.leader();
    Set<Integer> hashes = new HashSet<>();
    for (String endpoint : endpoints) {
      StatusResponse s =
          client.getMaintenanceClient().statusMember(endpoint).get(WAIT_S, TimeUnit.SECONDS);
      assertThat(s.getLeader()).isEqualTo(cluster.memberId(leader));
      assertThat(s.getRaftIndex()).isPositive();
      assertThat(s.getDbSize()).isPositive();
      assertThat(s.getVersion()).isNotEmpty();
      hashes.add(awaitHash(endpoint, rev));
    }
    assertThat(hashes).as("hashKV at one revision is equal on every member").hasSize(1);

    int target = (leader + 1) % 3;
    try (Client leaderClient = Client.builder().endpoints(urls(List.of(leader))).build()) {
      leaderClient
          .getMaintenanceClient()
          .moveLeader(cluster.memberId(target))
          .get(WAIT_S, TimeUnit.SECONDS);
    }
    assertThat(cluster.leader()).isEqualTo(target);
    StatusResponse after =
        client.getMaintenanceClient().statusMember(endpoints[target]).get(WAIT_S, TimeUnit.SECONDS);
    assertThat(after.getLeader()).isEqualTo(cluster.memberId(target));
  }

  private int awaitHash(String endpoint, long rev) throws Exception {
    return client
        .getMaintenanceClient()
        .hashKV(endpoint, rev)
        .get(WAIT_S, TimeUnit.SECONDS)
        .getHash();
  }
}

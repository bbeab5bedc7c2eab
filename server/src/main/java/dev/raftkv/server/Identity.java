package dev.raftkv.server;

import dev.raftkv.kv.Member;
import dev.raftkv.kv.Members;
import dev.raftkv.storage.DiskStorage;
import dev.raftkv.storage.StorageOptions;
import dev.raftkv.storage.StoredIdentity;
import dev.raftkv.transport.ClusterInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Which cluster and member this server is, and the peers it starts with; worked out once at start.
 *
 * <ul>
 *   <li>A founding member ({@code --initial-cluster-state new}) computes both ids from its flags
 *       ({@link ServerConfig#clusterId()}, {@link ServerConfig#memberId()}); its peers are the
 *       founding members.
 *   <li>A member joining a running cluster ({@code existing}) with an empty data dir cannot: the
 *       cluster id hashes the founding members and its member id is the one {@code MemberAdd}
 *       chose. It asks the members named in {@code --initial-cluster} on their peer ports ({@link
 *       ClusterInfo}), takes the cluster id and the member list from the first that answers, and
 *       finds itself by its peer URL — as etcd does.
 *   <li>A member restarting with {@code existing} takes both ids from its data dir's member file.
 * </ul>
 *
 * @param clusterId the cluster id
 * @param memberId this member's id
 * @param peers every other member's id and peer address to start with
 */
record Identity(long clusterId, long memberId, Map<Long, InetSocketAddress> peers) {

  /** How long one existing member may take to answer a joining member. */
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

  /**
   * How long a joining member keeps asking: the members answering may not have applied its addition
   * yet (MemberAdd answers once the member that took it applied it), or may be starting.
   */
  static final Duration JOIN_PATIENCE = Duration.ofSeconds(5);

  Identity {
    peers = Map.copyOf(peers);
  }

  /**
   * Resolves the identity for {@code config} and the raft data dir {@code raftDir}.
   *
   * @throws IllegalStateException naming what is missing: no existing member answered, or this
   *     member's peer URL is not in the cluster (it was not added)
   */
  static Identity resolve(
      ServerConfig config, java.nio.file.Path raftDir, dev.raftkv.transport.PeerTls tls) {
    if (config.newCluster()) {
      return new Identity(config.clusterId(), config.memberId(), config.peers());
    }
    Optional<StoredIdentity> stored = DiskStorage.storedIdentity(raftDir, StorageOptions.DEFAULT);
    if (stored.isPresent()) {
      return new Identity(stored.get().clusterId(), stored.get().memberId(), config.peers());
    }
    return join(config, tls);
  }

  /** How long a joining member waits between two rounds of asking. */
  static final Duration JOIN_RETRY = Duration.ofMillis(200);

  private static Identity join(ServerConfig config, dev.raftkv.transport.PeerTls tls) {
    try {
      return join(config, tls, System.nanoTime() + JOIN_PATIENCE.toNanos()).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Asks every member; if none knows this one yet, asks again {@link #JOIN_RETRY} later. */
  private static CompletableFuture<Identity> join(
      ServerConfig config, dev.raftkv.transport.PeerTls tls, long deadline) {
    Attempt a = askAll(config, tls);
    if (a.found != null) {
      return CompletableFuture.completedFuture(a.found);
    }
    if (System.nanoTime() > deadline) {
      return CompletableFuture.failedFuture(new IllegalStateException(a.failure));
    }
    Executor later =
        CompletableFuture.delayedExecutor(JOIN_RETRY.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> deadline, later)
        .thenCompose(d -> join(config, tls, d));
  }

  /** One round of asking every other member: the identity, or why not. */
  private record Attempt(Identity found, String failure) {}

  private static Attempt askAll(ServerConfig config, dev.raftkv.transport.PeerTls tls) {
    URI myUrl = config.initialCluster().get(config.name());
    List<String> failures = new ArrayList<>();
    String notAdded = null;
    for (Map.Entry<String, URI> e : config.initialCluster().entrySet()) {
      if (e.getKey().equals(config.name())) {
        continue;
      }
      ClusterInfo info;
      List<Member> members;
      try {
        info = ClusterInfo.ask(ServerConfig.address(e.getValue()), ASK_TIMEOUT, tls);
        members = Members.decodeList(info.info());
      } catch (IOException | IllegalArgumentException ex) {
        failures.add(e.getKey() + "=" + e.getValue() + " (" + ex.getMessage() + ")");
        continue;
      }
      Map<Long, InetSocketAddress> peers = new TreeMap<>();
      long me = 0;
      for (Member m : members) {
        if (m.peerUrls().contains(myUrl.toString())
            || m.peerUrls().contains(config.peerUrl().toString())) {
          me = m.id();
        } else if (!m.peerUrls().isEmpty()) {
          InetSocketAddress a = Membership.address(m.peerUrls().get(0));
          if (a != null) {
            peers.put(m.id(), a);
          }
        }
      }
      if (me != 0) {
        return new Attempt(new Identity(info.clusterId(), me, peers), null);
      }
      notAdded =
          "cluster "
              + Long.toHexString(info.clusterId())
              + " has no member with peer URL "
              + myUrl
              + " (asked "
              + e.getKey()
              + "); add it first with 'etcdctl member add "
              + config.name()
              + " --peer-urls="
              + myUrl
              + "'";
    }
    if (notAdded != null) {
      return new Attempt(null, notAdded);
    }
    return new Attempt(
        null,
        "--initial-cluster-state existing: no existing member of --initial-cluster answered, so"
            + " the cluster id cannot be learned (tried "
            + (failures.isEmpty() ? "none: it names only this member" : String.join(", ", failures))
            + ")");
  }
}

package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.Members;
import dev.raftkv.raft.Bootstrap;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.storage.DiskStorage;
import dev.raftkv.storage.StorageOptions;
import dev.raftkv.transport.TcpTransport;
import dev.raftkv.transport.TcpTransportConfig;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One raftkv member, wired in plain code: the durable Raft log ({@code data-dir/raft}), the KV
 * state machine ({@code data-dir/db}), the peer transport, the node runtime, the etcd v3 gRPC API
 * on the client URL (KV, Watch, Lease, Maintenance, Cluster) and the admin HTTP endpoint. {@link
 * #start} blocks until everything listens; {@link #close} stops it in reverse order.
 *
 * <p>Membership: a founding member starts the log with the founding members (their peer URLs in the
 * changes' contexts); a joining member learns its cluster and member id from the running cluster
 * ({@link Identity}). The member then publishes its name and client URLs ({@link
 * AttributePublisher}); its transport follows the replicated members ({@link Membership}); and a
 * member that learns it was removed stops itself, as etcd's does ({@link #stopped()}).
 */
public final class RaftkvServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RaftkvServer.class.getName());

  /** Under the data dir: where snapshot streams make their checkpoints; emptied at start. */
  static final String SNAPSHOT_SCRATCH = "snapshot-tmp";

  /** How often the leader checks for expired leases. */
  static final long LEASE_CHECK_MS = 500;

  private final ServerConfig config;
  private final DiskStorage log;
  private final KvStateMachine kv;
  private final TcpTransport transport;
  private final RaftRuntime runtime;
  private final AdminServer admin;
  private final Server grpc;
  private final WatchHub watchHub;
  private final LeaseManager leases;
  private final Identity identity;
  private final Membership membership;
  private final LeaderChannels leaderChannels;
  private final EtcdClusterService clusterService;
  private final AttributePublisher publisher;
  private final ScheduledExecutorService background;
  private final ExecutorService grpcCalls;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile Throwable failure;

  /** How often a watcher that asked for progress_notify and got nothing hears the revision. */
  static final Duration WATCH_PROGRESS_INTERVAL = Duration.ofSeconds(5);

  private RaftkvServer(
      ServerConfig config,
      DiskStorage log,
      KvStateMachine kv,
      TcpTransport transport,
      RaftRuntime runtime,
      AdminServer admin,
      Server grpc,
      WatchHub watchHub,
      LeaseManager leases,
      Identity identity,
      Membership membership,
      LeaderChannels leaderChannels,
      EtcdClusterService clusterService,
      AttributePublisher publisher,
      ScheduledExecutorService background,
      ExecutorService grpcCalls) {
    this.config = config;
    this.log = log;
    this.kv = kv;
    this.transport = transport;
    this.runtime = runtime;
    this.admin = admin;
    this.grpc = grpc;
    this.watchHub = watchHub;
    this.leases = leases;
    this.identity = identity;
    this.membership = membership;
    this.leaderChannels = leaderChannels;
    this.clusterService = clusterService;
    this.publisher = publisher;
    this.background = background;
    this.grpcCalls = grpcCalls;
  }

  /**
   * Opens (or creates) the member's data, starts the transport, the runtime and the admin endpoint.
   *
   * @throws IOException if a port cannot be bound (the message names it)
   * @throws dev.raftkv.storage.StorageCorruptedException if the data dir is damaged or belongs to
   *     another cluster
   */
  public static RaftkvServer start(ServerConfig config) throws IOException {
    Identity identity = Identity.resolve(config, config.dataDir().resolve("raft"));
    long id = identity.memberId();
    DiskStorage log =
        DiskStorage.open(
            config.dataDir().resolve("raft"),
            StorageOptions.DEFAULT,
            identity.clusterId(),
            id,
            ConfState.EMPTY);
    KvStateMachine kv = null;
    TcpTransport transport = null;
    RaftRuntime runtime = null;
    LeaderChannels leaderChannels = null;
    ScheduledExecutorService background = null;
    ExecutorService grpcCalls = null;
    try {
      if (config.newCluster()
          && log.lastIndex() == 0
          && log.initialState().hardState().term() == 0) {
        // A founding member of a new cluster: its log starts with the founding membership, each
        // change carrying the member's peer URL so every member (and later joiner) knows it.
        Map<Long, byte[]> founders = new TreeMap<>();
        for (Map.Entry<String, URI> e : config.initialCluster().entrySet()) {
          founders.put(
              config.memberId(e.getKey()), Members.encodeContext(List.of(e.getValue().toString())));
        }
        log.append(Bootstrap.entries(founders));
        HardState hs = Bootstrap.hardState(founders.keySet());
        log.setHardState(hs);
        log.syncNow();
      }
      SnapshotStream.clean(config.dataDir().resolve(SNAPSHOT_SCRATCH));
      kv =
          KvStateMachine.open(
              config.dataDir().resolve("db"), KvOptions.DEFAULTS.withGrantedLeases());
      int electionTicks = electionTicks(config);
      RaftConfig raft = RaftConfig.defaults(id).withElectionTicks(electionTicks, 2 * electionTicks);
      AtomicReference<RaftRuntime> self = new AtomicReference<>();
      transport =
          new TcpTransport(
              TcpTransportConfig.of(
                  identity.clusterId(),
                  id,
                  ServerConfig.address(config.peerUrl()),
                  identity.peers()),
              m -> {
                RaftRuntime r = self.get();
                if (r != null) {
                  r.deliver(m);
                }
              });
      transport.start();
      runtime =
          new RaftRuntime(
              raft,
              log,
              kv,
              transport::send,
              RaftRuntime.threadTicker(),
              Duration.ofMillis(config.heartbeatMs()),
              config.snapshotCount(),
              new Random(new SecureRandom().nextLong()));
      self.set(runtime);
      AtomicReference<RaftkvServer> server = new AtomicReference<>();
      Membership membership =
          new Membership(
              id,
              kv,
              transport,
              identity.peers(),
              reason -> {
                RaftkvServer s = server.get();
                if (s != null) {
                  s.stopAfterRemoval();
                }
              });
      membership.start();
      background =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "raftkv-member-" + Long.toHexString(id));
                t.setDaemon(true);
                return t;
              });
      Duration timeout = Duration.ofMillis(5_000L + 2L * config.electionMs());
      RequestTimeouts timeouts = new RequestTimeouts(timeout, System::nanoTime);
      background.scheduleWithFixedDelay(
          timeouts::sweep, config.heartbeatMs(), config.heartbeatMs(), TimeUnit.MILLISECONDS);
      AttributePublisher publisher =
          new AttributePublisher(
              id,
              config.name(),
              config.advertiseClientUrls().stream().map(URI::toString).toList(),
              runtime,
              kv,
              timeout);
      leaderChannels = new LeaderChannels(runtime, kv);
      AdminServer admin = AdminServer.start(config, runtime, transport);
      WatchHub[] hub = new WatchHub[1];
      LeaseManager leases =
          new LeaseManager(runtime, kv, System::nanoTime, Duration.ofMillis(LEASE_CHECK_MS));
      grpcCalls =
          Executors.newCachedThreadPool(
              r -> {
                Thread t = new Thread(r, "raftkv-grpc-" + Long.toHexString(id));
                t.setDaemon(true);
                return t;
              });
      EtcdKvService kvService =
          new EtcdKvService(runtime, kv, identity.clusterId(), id, timeouts, grpcCalls);
      EtcdClusterService clusterService =
          new EtcdClusterService(config, runtime, kv, kvService, leaderChannels, timeout);
      Server grpc;
      try {
        grpc =
            startGrpc(
                config,
                runtime,
                kv,
                transport,
                admin,
                leases,
                hub,
                kvService,
                clusterService,
                leaderChannels,
                timeout,
                grpcCalls);
      } catch (IOException | RuntimeException e) {
        leases.close();
        throw e;
      }
      publisher.start(background);
      LOG.log(
          System.Logger.Level.INFO,
          "member "
              + config.name()
              + " ("
              + Long.toHexString(id)
              + ") of cluster "
              + Long.toHexString(identity.clusterId())
              + " started; peers on "
              + config.peerUrl()
              + ", admin on "
              + admin.url());
      RaftkvServer s =
          new RaftkvServer(
              config,
              log,
              kv,
              transport,
              runtime,
              admin,
              grpc,
              hub[0],
              leases,
              identity,
              membership,
              leaderChannels,
              clusterService,
              publisher,
              background,
              grpcCalls);
      server.set(s);
      if (membership.isRemoved()) {
        s.stopAfterRemoval();
      }
      runtime.failed().thenAccept(s::stopAfterFailure);
      return s;
    } catch (IOException | RuntimeException e) {
      if (background != null) {
        background.shutdownNow();
      }
      if (grpcCalls != null) {
        grpcCalls.shutdownNow();
      }
      closeQuietly(leaderChannels);
      closeQuietly(runtime);
      closeQuietly(transport);
      closeQuietly(kv);
      closeQuietly(log);
      throw e;
    }
  }

  /** The election timeout in heartbeat ticks (at least 2). */
  static int electionTicks(ServerConfig config) {
    return Math.max(2, config.electionMs() / config.heartbeatMs());
  }

  /**
   * The etcd v3 API on the client URL. Keepalive pings from clients are allowed (etcdctl).
   *
   * <p>Threads: the KV service's handlers never block (they queue a proposal or a read barrier and
   * return; see {@link EtcdKvService}), so its calls run on the Netty event loop that read them:
   * gRPC's default executor would hand every call to a pool thread and back, which on a loaded
   * machine costs more than the handler. Every other service may block (membership checks wait for
   * heartbeats, hashes scan the store, snapshots copy files) and runs on {@code calls}.
   */
  private static Server startGrpc(
      ServerConfig config,
      RaftRuntime runtime,
      KvStateMachine kv,
      TcpTransport transport,
      AdminServer admin,
      LeaseManager leases,
      WatchHub[] hub,
      EtcdKvService kvService,
      EtcdClusterService clusterService,
      LeaderChannels leaderChannels,
      Duration timeout,
      ExecutorService calls)
      throws IOException {
    hub[0] =
        new WatchHub(kv, kvService::header, WatchHub.DEFAULT_QUEUE_LIMIT, WATCH_PROGRESS_INTERVAL);
    try {
      return NettyServerBuilder.forAddress(ServerConfig.address(config.clientUrl()))
          .directExecutor()
          .callExecutor(
              new ServerCallExecutorSupplier() {
                @Override
                public <Q, A> Executor getExecutor(ServerCall<Q, A> call, Metadata headers) {
                  return KVGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())
                      ? null // the direct executor
                      : calls;
                }
              })
          .permitKeepAliveTime(5, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          .maxInboundMessageSize(EtcdKvService.MAX_REQUEST_BYTES + 512 * 1024)
          .intercept(LeaderChannels.interceptor())
          .addService(kvService)
          .addService(
              new EtcdLeaseService(
                  runtime,
                  kv,
                  kvService,
                  leases,
                  leaderChannels,
                  timeout,
                  EtcdLeaseService.minTtlSeconds(config.heartbeatMs(), electionTicks(config))))
          .addService(
              new EtcdMaintenanceService(
                  runtime, kv, kvService, config.dataDir().resolve(SNAPSHOT_SCRATCH)))
          .addService(clusterService)
          .addService(new RaftkvAdminService(config.name(), runtime, transport))
          .addService(new EtcdWatchService(hub[0]))
          .build()
          .start();
    } catch (IOException e) {
      hub[0].close();
      admin.close();
      throw new java.net.BindException(
          "client address " + config.clientUrl() + " is in use (--listen-client-urls)");
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "closing " + c + ": " + e);
    }
  }

  /** This member's Raft status. */
  public Status status() {
    return runtime.status();
  }

  /** The node runtime (proposals, reads). */
  public RaftRuntime runtime() {
    return runtime;
  }

  /** The KV state machine. */
  public KvStateMachine kv() {
    return kv;
  }

  public ServerConfig config() {
    return config;
  }

  /** This member's id (from its flags, or for a joined member from the cluster). */
  public long memberId() {
    return identity.memberId();
  }

  /** The cluster's id. */
  public long clusterId() {
    return identity.clusterId();
  }

  /** Whether this member learned it was removed from the cluster (it then stops itself). */
  public boolean removed() {
    return membership.isRemoved();
  }

  /** Completes once this member has stopped: closed, or stopped itself after its removal. */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  /**
   * Stops this member after it learned it was removed, as etcd's does: in the background, letting
   * the calls in progress finish (up to two seconds), so the answer to the request that removed it
   * still goes out.
   */
  private void stopAfterRemoval() {
    inBackground(
        "raftkv-removed-",
        () -> {
          grpc.shutdown();
          try {
            grpc.awaitTermination(2, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          LOG.log(
              System.Logger.Level.WARNING,
              self() + " stops: the member has been permanently removed from the cluster");
          close();
        });
  }

  /**
   * Stops this member because its raft node stopped (fail-stop, as an etcd member that cannot write
   * its WAL exits): a member without its node loop would stay up, answer nothing and never catch
   * up. Runs {@link #close} on a new thread (the caller is the dying loop); {@link #failure} then
   * says why.
   */
  private void stopAfterFailure(Throwable cause) {
    failure = cause;
    LOG.log(System.Logger.Level.ERROR, self() + " stops: its raft node failed: " + cause, cause);
    inBackground("raftkv-failed-", this::close);
  }

  /** "member NAME (ID)", for the log. */
  private String self() {
    return "member " + config.name() + " (" + Long.toHexString(identity.memberId()) + ")";
  }

  /** Runs {@code task} on a new daemon thread named {@code prefix} and this member's id. */
  private void inBackground(String prefix, Runnable task) {
    Thread t = new Thread(task, prefix + Long.toHexString(identity.memberId()));
    t.setDaemon(true);
    t.start();
  }

  /**
   * Why this member stopped itself, once {@link #stopped()} completed because its raft node failed
   * (a storage error, an {@link Error} on the node loop); null if it was closed or removed.
   */
  public Throwable failure() {
    return failure;
  }

  /** The admin endpoint's base URL. */
  public String adminUrl() {
    return admin.url();
  }

  /** Cuts this member off from its peers (no traffic either way) until {@link #attach()}. */
  public void detach() {
    transport.detach();
  }

  public void attach() {
    transport.attach();
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      stopped.join();
      return;
    }
    publisher.close();
    background.shutdownNow();
    grpc.shutdown(); // no new calls
    closeQuietly(watchHub); // ends the watch streams with UNAVAILABLE, so clients move elsewhere
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    grpcCalls.shutdownNow();
    closeQuietly(admin);
    closeQuietly(leases);
    closeQuietly(leaderChannels);
    closeQuietly(runtime);
    closeQuietly(transport);
    closeQuietly(kv);
    closeQuietly(log);
    stopped.complete(null);
  }
}

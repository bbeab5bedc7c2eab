package dev.raftkv.server;

import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStateMachine;
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
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One raftkv member, wired in plain code: the durable Raft log ({@code data-dir/raft}), the KV
 * state machine ({@code data-dir/db}), the peer transport, the node runtime, the etcd v3 gRPC API
 * on the client URL (KV, Watch, Lease, Maintenance, Cluster.MemberList) and the admin HTTP
 * endpoint. {@link #start} blocks until everything listens; {@link #close} stops it in reverse
 * order.
 */
public final class RaftkvServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RaftkvServer.class.getName());

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
      LeaseManager leases) {
    this.config = config;
    this.log = log;
    this.kv = kv;
    this.transport = transport;
    this.runtime = runtime;
    this.admin = admin;
    this.grpc = grpc;
    this.watchHub = watchHub;
    this.leases = leases;
  }

  /**
   * Opens (or creates) the member's data, starts the transport, the runtime and the admin endpoint.
   *
   * @throws IOException if a port cannot be bound (the message names it)
   * @throws dev.raftkv.storage.StorageCorruptedException if the data dir is damaged or belongs to
   *     another cluster
   */
  public static RaftkvServer start(ServerConfig config) throws IOException {
    long id = config.memberId();
    DiskStorage log =
        DiskStorage.open(
            config.dataDir().resolve("raft"),
            StorageOptions.DEFAULT,
            config.clusterId(),
            id,
            ConfState.EMPTY);
    KvStateMachine kv = null;
    TcpTransport transport = null;
    RaftRuntime runtime = null;
    try {
      if (config.newCluster()
          && log.lastIndex() == 0
          && log.initialState().hardState().term() == 0) {
        // A founding member of a new cluster: its log starts with the founding membership.
        log.append(Bootstrap.entries(config.peers().keySet()));
        HardState hs = Bootstrap.hardState(config.peers().keySet());
        log.setHardState(hs);
        log.syncNow();
      }
      kv =
          KvStateMachine.open(
              config.dataDir().resolve("db"), KvOptions.DEFAULTS.withGrantedLeases());
      int electionTicks = Math.max(2, config.electionMs() / config.heartbeatMs());
      RaftConfig raft = RaftConfig.defaults(id).withElectionTicks(electionTicks, 2 * electionTicks);
      AtomicReference<RaftRuntime> self = new AtomicReference<>();
      transport =
          new TcpTransport(
              TcpTransportConfig.of(
                  config.clusterId(), id, ServerConfig.address(config.peerUrl()), config.peers()),
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
              10_000,
              new Random(new SecureRandom().nextLong()));
      self.set(runtime);
      AdminServer admin = AdminServer.start(config, runtime, transport);
      WatchHub[] hub = new WatchHub[1];
      LeaseManager leases =
          new LeaseManager(runtime, kv, System::nanoTime, Duration.ofMillis(LEASE_CHECK_MS));
      Server grpc;
      try {
        grpc = startGrpc(config, runtime, kv, transport, admin, leases, hub);
      } catch (IOException | RuntimeException e) {
        leases.close();
        throw e;
      }
      LOG.log(
          System.Logger.Level.INFO,
          "member "
              + config.name()
              + " ("
              + Long.toHexString(id)
              + ") of cluster "
              + Long.toHexString(config.clusterId())
              + " started; peers on "
              + config.peerUrl()
              + ", admin on "
              + admin.url());
      return new RaftkvServer(config, log, kv, transport, runtime, admin, grpc, hub[0], leases);
    } catch (IOException | RuntimeException e) {
      closeQuietly(runtime);
      closeQuietly(transport);
      closeQuietly(kv);
      closeQuietly(log);
      throw e;
    }
  }

  /** The etcd v3 API on the client URL. Keepalive pings from clients are allowed (etcdctl). */
  private static Server startGrpc(
      ServerConfig config,
      RaftRuntime runtime,
      KvStateMachine kv,
      TcpTransport transport,
      AdminServer admin,
      LeaseManager leases,
      WatchHub[] hub)
      throws IOException {
    EtcdKvService kvService =
        new EtcdKvService(
            runtime,
            kv,
            config.clusterId(),
            config.memberId(),
            Duration.ofMillis(5_000L + 2L * config.electionMs()));
    hub[0] =
        new WatchHub(kv, kvService::header, WatchHub.DEFAULT_QUEUE_LIMIT, WATCH_PROGRESS_INTERVAL);
    try {
      return NettyServerBuilder.forAddress(ServerConfig.address(config.clientUrl()))
          .permitKeepAliveTime(5, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          .maxInboundMessageSize(EtcdKvService.MAX_REQUEST_BYTES + 512 * 1024)
          .addService(kvService)
          .addService(
              new EtcdLeaseService(
                  runtime,
                  kv,
                  kvService,
                  leases,
                  Duration.ofMillis(5_000L + 2L * config.electionMs())))
          .addService(new EtcdMaintenanceService(runtime, kv, kvService))
          .addService(new EtcdClusterService(config, runtime, kvService))
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
    grpc.shutdown(); // no new calls
    closeQuietly(watchHub); // ends the watch streams with UNAVAILABLE, so clients move elsewhere
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(admin);
    closeQuietly(leases);
    closeQuietly(runtime);
    closeQuietly(transport);
    closeQuietly(kv);
    closeQuietly(log);
  }
}

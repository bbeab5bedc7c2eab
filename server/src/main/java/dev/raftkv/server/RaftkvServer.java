package dev.raftkv.server;

import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.WatchGrpc;
import dev.raftkv.kv.KvOptions;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.LeaseExpiry;
import dev.raftkv.kv.Members;
import dev.raftkv.kv.WatchHub;
import dev.raftkv.raft.Bootstrap;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.server.dashboard.ChartSampler;
import dev.raftkv.server.dashboard.Dashboard;
import dev.raftkv.server.dashboard.LeaderTimeline;
import dev.raftkv.server.dashboard.PeerPoller;
import dev.raftkv.server.gateway.ClientPortNegotiator;
import dev.raftkv.server.gateway.GatewayRoutes;
import dev.raftkv.server.metrics.ServerMetrics;
import dev.raftkv.server.tls.AutoTls;
import dev.raftkv.server.tls.ServerTls;
import dev.raftkv.server.tls.TlsFiles;
import dev.raftkv.storage.DiskStorage;
import dev.raftkv.storage.StorageOptions;
import dev.raftkv.transport.PeerTls;
import dev.raftkv.transport.TcpTransport;
import dev.raftkv.transport.TcpTransportConfig;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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

  /**
   * The etcd version raftkv reports (Maintenance.Status, the client port's {@code /version}): etcd
   * 3.4's v3 API, which raftkv serves, plus 3.5's additions it also serves (AuthStatus).
   */
  public static final String ETCD_VERSION = "3.5.0";

  /** The largest JSON gateway request: etcd's largest request, as base64 JSON, with room. */
  public static final int GATEWAY_MAX_REQUEST_BYTES = 3 * KvServer.MAX_REQUEST_BYTES;

  /** Numbers this JVM's in-process gateway servers apart (tests run several members in one). */
  private static final AtomicLong GATEWAYS = new AtomicLong();

  /** Under the data dir: where snapshot streams make their checkpoints; emptied at start. */
  static final String SNAPSHOT_SCRATCH = "snapshot-tmp";

  /** How often the leader checks for expired leases. */
  static final Duration LEASE_CHECK_INTERVAL = Duration.ofMillis(500);

  /** How often a watcher that asked for progress_notify and got nothing hears the revision. */
  static final Duration WATCH_PROGRESS_INTERVAL = Duration.ofSeconds(5);

  /** How many leader changes and elections the dashboard keeps for a page opened later. */
  static final int DASHBOARD_EVENTS = 100;

  /** How many chart points (one a second) the dashboard keeps for a page opened later. */
  static final int DASHBOARD_POINTS = 300;

  /** The dashboard looks at the term and leader every heartbeat, but at least this often. */
  static final int DASHBOARD_OBSERVE_MAX_MS = 100;

  /** How long a stopping member lets the calls under way finish. */
  static final Duration GRPC_GRACE = Duration.ofSeconds(2);

  /** A client may ping its connection this often at most (etcdctl's keepalive). */
  static final Duration CLIENT_KEEPALIVE_MIN = Duration.ofSeconds(5);

  private final ServerConfig config;
  private final Identity identity;
  private final KvStateMachine kv;
  private final TcpTransport transport;
  private final RaftRuntime runtime;
  private final Membership membership;
  private final AdminServer admin;
  private final List<Server> grpc;
  private final ServerMetrics metrics = new ServerMetrics();

  /** Everything above and the rest, in the order built; {@link #close} closes it in reverse. */
  private final Parts parts;

  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean started;
  private volatile Throwable failure;

  /**
   * Opens (or creates) the member's data and starts its parts in order: the Raft log, the KV store,
   * the peer transport, the runtime, the shared scheduler, the admin endpoint, the server core and
   * the etcd gRPC API. Blocks until everything listens.
   *
   * @throws IOException if a port cannot be bound (the message names it)
   * @throws dev.raftkv.storage.StorageCorruptedException if the data dir is damaged or belongs to
   *     another cluster
   */
  public static RaftkvServer start(ServerConfig config) throws IOException {
    Parts parts = new Parts();
    try {
      RaftkvServer s = new RaftkvServer(config, parts);
      if (s.membership.isRemoved()) {
        s.stopAfterRemoval();
      }
      s.runtime.failed().thenAccept(s::stopAfterFailure);
      return s;
    } catch (IOException | RuntimeException e) {
      parts.close();
      throw e;
    }
  }

  private RaftkvServer(ServerConfig config, Parts parts) throws IOException {
    this.config = config;
    this.parts = parts;
    ServerTls clientTls = clientTls(config);
    PeerTls peerTls = peerTls(config);
    this.identity = Identity.resolve(config, config.dataDir().resolve("raft"), peerTls);
    long id = identity.memberId();
    DiskStorage log =
        parts.add(
            "raft log",
            DiskStorage.open(
                config.dataDir().resolve("raft"),
                StorageOptions.DEFAULT.withFileIo(
                    metrics.timingWalSyncs(StorageOptions.DEFAULT.fileIo())),
                identity.clusterId(),
                id,
                ConfState.EMPTY));
    bootstrapIfNew(config, log);
    SnapshotStream.clean(config.dataDir().resolve(SNAPSHOT_SCRATCH));
    kv =
        parts.add(
            "kv store",
            KvStateMachine.open(
                config.dataDir().resolve("db"), KvOptions.DEFAULTS.withGrantedLeases()));
    // The transport hands messages to the runtime, which sends through the transport.
    AtomicReference<RaftRuntime> deliverTo = new AtomicReference<>();
    transport =
        parts.add(
            "peer transport",
            new TcpTransport(
                TcpTransportConfig.of(
                        identity.clusterId(),
                        id,
                        ServerConfig.address(config.peerUrl()),
                        identity.peers())
                    .withTls(peerTls),
                m -> {
                  RaftRuntime r = deliverTo.get();
                  if (r != null) {
                    metrics.received(m);
                    r.deliver(m);
                  }
                }));
    transport.start();
    int electionTicks = electionTicks(config);
    runtime =
        parts.add(
            "raft runtime",
            new RaftRuntime(
                RaftConfig.defaults(id).withElectionTicks(electionTicks, 2 * electionTicks),
                log,
                kv,
                m -> {
                  metrics.sending(m);
                  transport.send(m);
                },
                RaftRuntime.threadTicker(),
                Duration.ofMillis(config.heartbeatMs()),
                config.snapshotCount(),
                new Random(new SecureRandom().nextLong())));
    deliverTo.set(runtime);
    metrics.bind(runtime, kv.store(), transport);
    membership =
        new Membership(
            id,
            kv,
            transport,
            identity.peers(),
            reason -> {
              if (started) {
                stopAfterRemoval();
              } // else start() looks at isRemoved() once everything is up
            });
    membership.start();
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(daemon("raftkv-member-" + Long.toHexString(id)));
    parts.add("scheduler", scheduler, scheduler::shutdownNow);
    Duration timeout = requestTimeout(config);
    RequestTimeouts timeouts = new RequestTimeouts(timeout, System::nanoTime);
    scheduler.scheduleWithFixedDelay(
        () -> metrics.proposalsTimedOut(timeouts.sweep()),
        config.heartbeatMs(),
        config.heartbeatMs(),
        TimeUnit.MILLISECONDS);
    LeaderChannels leaderChannels =
        parts.add(
            "leader channels",
            new LeaderChannels(runtime, kv, clientTls == null ? null : clientTls.grpcClient()));
    TokenProvider tokens = tokenProvider(config.auth(), scheduler);
    kv.addApplyListener(new TokenKeeper(kv.store(), tokens));
    Authorizer authorizer = new Authorizer(kv.store()::auth, tokens, kv.store()::appliedIndex);
    AdminAccess adminAccess = new AdminAccess(authorizer);
    admin =
        parts.add(
            "admin endpoint",
            AdminServer.start(
                config,
                runtime,
                transport,
                ServerConfig.isHttps(config.adminUrl()) ? clientTls : null,
                adminAccess,
                this::healthy,
                metrics,
                new Dashboard(
                    new DashboardSource(
                        config.name(), runtime, kv.store(), transport, metrics, scheduler),
                    new PeerPoller(leaderChannels::channel),
                    new LeaderTimeline(DASHBOARD_EVENTS),
                    new ChartSampler(DASHBOARD_POINTS),
                    System::currentTimeMillis),
                Duration.ofMillis(Math.min(config.heartbeatMs(), DASHBOARD_OBSERVE_MAX_MS))));
    LeaseExpiry leases = parts.add("lease expiry", LeaseExpiry.of(runtime, kv, System::nanoTime));
    leases.start(scheduler, LEASE_CHECK_INTERVAL);
    ExecutorService grpcCalls =
        Executors.newCachedThreadPool(daemon("raftkv-grpc-" + Long.toHexString(id)));
    parts.add("grpc call threads", grpcCalls, grpcCalls::shutdownNow);
    KvServer server =
        new KvServer(
            runtime,
            kv,
            identity.clusterId(),
            id,
            timeouts,
            grpcCalls,
            authorizer,
            config.quotaBackendBytes());
    WatchHub watchHub =
        new WatchHub(kv, WatchHub.DEFAULT_QUEUE_LIMIT, scheduler, WATCH_PROGRESS_INTERVAL);
    OwnerQueue owners = new OwnerQueue(server, leases, new KeyWatches(watchHub));
    ServerServiceDefinition adminService =
        ServerInterceptors.intercept(
            new RaftkvAdminService(config.name(), server.runtime(), transport, adminAccess),
            AdminAccess.interceptor());
    List<ServerServiceDefinition> etcdServices =
        List.of(
            new EtcdKvService(server).bindService(),
            new EtcdLeaseService(
                    server,
                    leases,
                    leaderChannels,
                    timeout,
                    EtcdLeaseService.minTtlSeconds(config.heartbeatMs(), electionTicks(config)))
                .bindService(),
            new EtcdMaintenanceService(server, config.dataDir().resolve(SNAPSHOT_SCRATCH))
                .bindService(),
            new EtcdClusterService(config, server, leaderChannels, timeout).bindService(),
            new EtcdAuthService(server, new Passwords(config.auth().bcryptCost())).bindService(),
            new EtcdWatchService(watchHub, server).bindService(),
            new EtcdLockService(owners).bindService(),
            new EtcdElectionService(owners).bindService());
    List<ServerServiceDefinition> services = new ArrayList<>(etcdServices);
    services.add(adminService);
    AuthInterceptor authInterceptor = new AuthInterceptor(authorizer::enabled);
    // One server per listen client URL (http:// and https:// side by side, as etcd's), stopped
    // together: the list fills as they start, so those started are stopped if a later one fails.
    // The JSON gateway on the http:// ones calls the etcd services through an in-process server.
    List<Server> servers = new ArrayList<>();
    List<ClientPortNegotiator> gateways = new ArrayList<>();
    parts.add("etcd gRPC API", servers, () -> stopGrpc(servers, gateways, watchHub));
    String inProcessName =
        "raftkv-gateway-" + Long.toHexString(id) + "-" + GATEWAYS.incrementAndGet();
    servers.add(
        startInProcess(
            inProcessName, etcdServices, authInterceptor, metrics.grpcInterceptor(), grpcCalls));
    ManagedChannel gatewayChannel =
        InProcessChannelBuilder.forName(inProcessName).directExecutor().build();
    parts.add("gateway channel", gatewayChannel, gatewayChannel::shutdownNow);
    GatewayRoutes routes = GatewayRoutes.of(etcdServices);
    ClientPortNegotiator.Member portMember =
        new ClientPortNegotiator.Member() {
          @Override
          public void writeMetrics(java.io.OutputStream out) throws IOException {
            metrics.writeTo(out);
          }

          @Override
          public boolean healthy() {
            return RaftkvServer.this.healthy();
          }

          @Override
          public String etcdVersion() {
            return ETCD_VERSION;
          }
        };
    for (URI url : config.listenClientUrls()) {
      ClientPortNegotiator gateway =
          new ClientPortNegotiator(
              ServerConfig.isHttps(url) ? clientTls.grpcServer(ClientPortNegotiator.alpn()) : null,
              routes,
              gatewayChannel,
              GATEWAY_MAX_REQUEST_BYTES,
              portMember);
      gateways.add(gateway);
      servers.add(
          startGrpc(url, gateway, services, authInterceptor, metrics.grpcInterceptor(), grpcCalls));
    }
    grpc = List.copyOf(servers);
    AttributePublisher publisher =
        parts.add(
            "attribute publisher",
            new AttributePublisher(
                id,
                config.name(),
                config.advertiseClientUrls().stream().map(URI::toString).toList(),
                runtime,
                kv,
                timeout));
    publisher.start(scheduler);
    this.started = true;
    if (config.quotaBackendBytes() < 0) {
      LOG.log(System.Logger.Level.WARNING, "disabled backend quota (--quota-backend-bytes < 0)");
    } else if (config.quotaBackendBytes() > ServerConfig.MAX_QUOTA_BYTES) {
      // etcd's warning: a quota above 8 GiB is allowed, but past what etcd is tested with
      LOG.log(
          System.Logger.Level.WARNING,
          "--quota-backend-bytes {0} exceeds the maximum value {1}",
          config.quotaBackendBytes(),
          ServerConfig.MAX_QUOTA_BYTES);
    }
    LOG.log(
        System.Logger.Level.INFO,
        "member {0} ({1}) of cluster {2} started; peers on {3}, admin on {4}",
        config.name(),
        Long.toHexString(id),
        Long.toHexString(identity.clusterId()),
        config.peerUrl(),
        admin.url());
  }

  /**
   * A founding member of a new cluster starts its log with the founding membership, each change
   * carrying the member's peer URL so every member (and later joiner) knows it.
   */
  private static void bootstrapIfNew(ServerConfig config, DiskStorage log) {
    if (!config.newCluster()
        || log.lastIndex() != 0
        || log.initialState().hardState().term() != 0) {
      return;
    }
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

  /** How often expired simple tokens are dropped from memory (they are refused anyway). */
  static final Duration TOKEN_SWEEP_INTERVAL = Duration.ofSeconds(5);

  /**
   * The token provider {@code --auth-token} names: simple tokens on the monotonic clock, swept on
   * {@code scheduler}; or JWTs signed with the configured keys on the wall clock.
   */
  private static TokenProvider tokenProvider(AuthConfig auth, ScheduledExecutorService scheduler) {
    if (auth.tokenType().equals("jwt")) {
      return JwtTokens.open(auth, java.time.Clock.systemUTC());
    }
    SimpleTokens simple = new SimpleTokens(auth.simpleTtl(), System::nanoTime);
    scheduler.scheduleWithFixedDelay(
        simple::sweep,
        TOKEN_SWEEP_INTERVAL.toMillis(),
        TOKEN_SWEEP_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    return simple;
  }

  /** The part of the request timeout that does not depend on the election timeout (etcd's). */
  static final Duration REQUEST_TIMEOUT_BASE = Duration.ofSeconds(5);

  /** How long a request may wait for its answer: 5 s plus two election timeouts (etcd's rule). */
  static Duration requestTimeout(ServerConfig config) {
    return REQUEST_TIMEOUT_BASE.plusMillis(2L * config.electionMs());
  }

  /** Daemon threads named {@code name}. */
  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The client side's TLS material when a client or the admin URL is {@code https://} (auto-TLS
   * resolved first, see {@link AutoTls}); null otherwise, and TLS then costs nothing.
   */
  private static ServerTls clientTls(ServerConfig config) throws IOException {
    if (!config.clientTls() && !ServerConfig.isHttps(config.adminUrl())) {
      return null;
    }
    List<URI> urls = new ArrayList<>(config.listenClientUrls());
    urls.addAll(config.advertiseClientUrls());
    urls.add(config.adminUrl());
    TlsFiles files =
        AutoTls.resolve(config.tls().client(), config.dataDir(), "client", hosts(urls));
    return ServerTls.load(files, false, config.tls().cipherSuites());
  }

  /** The peer transport's TLS when the peer URL is {@code https://}; null otherwise. */
  private static PeerTls peerTls(ServerConfig config) throws IOException {
    if (!config.peerTls()) {
      return null;
    }
    List<URI> urls = new ArrayList<>(List.of(config.peerUrl()));
    urls.add(config.initialCluster().get(config.name()));
    TlsFiles files = AutoTls.resolve(config.tls().peer(), config.dataDir(), "peer", hosts(urls));
    return ServerTls.load(files, true, config.tls().cipherSuites()).peer();
  }

  /** The distinct hosts of {@code urls}, for an auto-TLS certificate. */
  private static List<String> hosts(List<URI> urls) {
    Set<String> out = new LinkedHashSet<>();
    for (URI u : urls) {
      if (u != null && u.getHost() != null) {
        out.add(u.getHost());
      }
    }
    return List.copyOf(out);
  }

  /**
   * Stops the client API on every listen URL: no new calls; the watch streams end with UNAVAILABLE
   * (so clients resume elsewhere, see {@link WatchHub#close}); the calls under way get {@link
   * #GRPC_GRACE} to finish.
   */
  private static void stopGrpc(
      List<Server> servers, List<ClientPortNegotiator> gateways, WatchHub watchHub) {
    servers.forEach(Server::shutdown);
    watchHub.close();
    servers.forEach(Server::shutdownNow);
    gateways.forEach(ClientPortNegotiator::closeConnections);
    try {
      for (Server grpc : servers) {
        grpc.awaitTermination(GRPC_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
   * machine costs more than the handler. The Watch service's handlers never block either (they
   * register or cancel a watcher under the hub's lock; sending is the hub's threads' work), and run
   * there too for a stronger reason: a create request is registered before the event loop reads the
   * next request of the connection, so a write sent after it (jetcd's watch tests write without
   * waiting for "created") is never applied before the watcher exists. On a pool thread, 30 of 300
   * such creates were registered after the write. Every other service may block (membership checks
   * wait for heartbeats, hashes scan the store, snapshots copy files) and runs on {@code calls}.
   */
  private static Server startGrpc(
      URI url,
      ClientPortNegotiator gateway,
      List<ServerServiceDefinition> services,
      AuthInterceptor auth,
      ServerInterceptor metrics,
      ExecutorService calls)
      throws IOException {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(ServerConfig.address(url), gateway.credentials());
    services.forEach(builder::addService);
    try {
      return builder
          .directExecutor()
          .callExecutor(callExecutors(calls))
          .permitKeepAliveTime(CLIENT_KEEPALIVE_MIN.toMillis(), TimeUnit.MILLISECONDS)
          .permitKeepAliveWithoutCalls(true)
          .maxInboundMessageSize(KvServer.MAX_REQUEST_BYTES + 512 * 1024)
          .intercept(LeaderChannels.interceptor())
          .intercept(auth)
          .intercept(metrics)
          .build()
          .start();
    } catch (IOException e) {
      throw new java.net.BindException(
          "client address " + url + " is in use (--listen-client-urls)");
    }
  }

  /**
   * The in-process server the JSON gateway calls: the etcd services with the same interceptors and
   * threads as on the client port.
   */
  private static Server startInProcess(
      String name,
      List<ServerServiceDefinition> services,
      AuthInterceptor auth,
      ServerInterceptor metrics,
      ExecutorService calls)
      throws IOException {
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
    services.forEach(builder::addService);
    return builder
        .directExecutor()
        .callExecutor(callExecutors(calls))
        .intercept(LeaderChannels.interceptor())
        .intercept(auth)
        .intercept(metrics)
        .build()
        .start();
  }

  /**
   * KV and Watch calls on the thread that read them (see {@link #startGrpc}), others on {@code
   * calls}.
   */
  private static ServerCallExecutorSupplier callExecutors(ExecutorService calls) {
    return new ServerCallExecutorSupplier() {
      @Override
      public <Q, A> Executor getExecutor(ServerCall<Q, A> call, Metadata headers) {
        String service = call.getMethodDescriptor().getServiceName();
        return KVGrpc.SERVICE_NAME.equals(service) || WatchGrpc.SERVICE_NAME.equals(service)
            ? null // the direct executor
            : calls;
      }
    };
  }

  /**
   * etcd's health rule, for {@code /health} on the admin and client URLs: a leader is known, this
   * member is not detached from its peers, and no alarm is raised.
   */
  boolean healthy() {
    return runtime.status().leader() != 0
        && !transport.isDetached()
        && kv.store().alarms().isEmpty();
  }

  /** This member's metrics (etcd's names; served on {@code /metrics}). */
  public ServerMetrics metrics() {
    return metrics;
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
          grpc.forEach(Server::shutdown);
          try {
            for (Server g : grpc) {
              g.awaitTermination(GRPC_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
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
    String disk = diskError(cause);
    if (disk != null) {
      // One line an operator can act on; the stack trace is only for debugging.
      LOG.log(
          System.Logger.Level.ERROR,
          self()
              + " stops: cannot write its data dir "
              + config.dataDir()
              + ": "
              + disk
              + " (free space or fix the disk, then restart it: what was acknowledged is in the"
              + " Raft log and is applied again)");
      LOG.log(System.Logger.Level.DEBUG, "the failure", cause);
    } else {
      LOG.log(System.Logger.Level.ERROR, self() + " stops: its raft node failed: " + cause, cause);
    }
    inBackground("raftkv-failed-", this::close);
  }

  /**
   * The innermost message of a storage failure in {@code cause}'s chain (an I/O error of the WAL, a
   * RocksDB write that failed), or null when it is no storage failure.
   */
  static String diskError(Throwable cause) {
    boolean storage = false;
    String message = null;
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.io.IOException
          || t instanceof java.io.UncheckedIOException
          || t instanceof dev.raftkv.kv.KvStorageException
          || t.getClass().getName().equals("org.rocksdb.RocksDBException")) {
        storage = true;
      }
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return storage ? message : null;
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
    parts.close();
    stopped.complete(null);
  }
}

package dev.raftkv.kv;

import dev.raftkv.raft.Role;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Lease expiry, decided by the leader. The leases themselves (id, granted TTL, attached keys) are
 * replicated state in the KV store; this keeps, on the leader only and in memory, each lease's
 * deadline (now + TTL on an injected clock). Keep-alives refresh it. A periodic {@link #tick}
 * proposes a {@link LeaseRevokeRequest} through the log for each lease past its deadline, so its
 * keys are deleted in one revision on every member.
 *
 * <p>When this member becomes leader (or starts a new term as leader) every lease's deadline is
 * reset to now + TTL: no lease expires because of the election (etcd's promotion extension). A
 * lease that shows up in the store later (granted through another member, or applied late) also
 * gets now + TTL when first seen. Followers keep no deadlines; their keep-alive and time-to-live
 * calls are refused with {@link NotLeaderException}.
 */
public final class LeaseExpiry implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LeaseExpiry.class.getName());
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** A revoke proposal is repeated if the lease is still there this long after it. */
  private static final long REVOKE_RETRY_NANOS = 3 * NANOS_PER_SECOND;

  /** This member is not the leader: only the leader keeps lease deadlines. */
  public static final class NotLeaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotLeaderException() {
      super("etcdserver: not leader", null, false, false);
    }
  }

  /** What {@link #timeToLive} found: remaining seconds (-1 when not granted) and granted TTL. */
  public record Remaining(long ttlSeconds, long grantedTtlSeconds) {}

  private final Supplier<Status> status;
  private final Function<byte[], CompletableFuture<?>> propose;
  private final Supplier<KvStore> store;
  private final LongSupplier clock;
  private ScheduledFuture<?> timer; // guarded by this

  // Guarded by this.
  private final Map<Long, Long> deadlines = new HashMap<>();
  private final Map<Long, Long> revoking = new HashMap<>();
  private long leaderTerm = -1;

  /**
   * Lease expiry that checks nothing until {@link #start} (tests call {@link #tick} themselves).
   *
   * @param status this member's Raft status now (whether it leads, in which term)
   * @param propose proposes a command through the Raft log (a lease revoke)
   * @param store the store as it is now (a snapshot restore may replace it)
   * @param clock nanoseconds, monotonic ({@code System::nanoTime} outside tests)
   */
  public LeaseExpiry(
      Supplier<Status> status,
      Function<byte[], CompletableFuture<?>> propose,
      Supplier<KvStore> store,
      LongSupplier clock) {
    this.status = status;
    this.propose = propose;
    this.store = store;
    this.clock = clock;
  }

  /** Lease expiry for the member that runs {@code runtime} over {@code kv}. */
  public static LeaseExpiry of(RaftRuntime runtime, KvStateMachine kv, LongSupplier clock) {
    return new LeaseExpiry(runtime::status, runtime::propose, kv::store, clock);
  }

  /**
   * Checks for expired leases every {@code interval} on {@code scheduler}, until {@link #close}.
   */
  public synchronized void start(ScheduledExecutorService scheduler, Duration interval) {
    long ms = interval.toMillis();
    timer = scheduler.scheduleWithFixedDelay(this::safeTick, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void safeTick() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "lease expiry check failed: " + e);
    }
  }

  /**
   * Whether this member leads; on taking the lead in a new term, every deadline is reset. With
   * {@code scan} (always on taking the lead), leases not yet tracked get now + TTL and leases no
   * longer in the store are forgotten; otherwise only the leadership is checked (a keep-alive does
   * not read every lease).
   */
  private boolean syncLeadership(long now, boolean scan) {
    Status st = status.get();
    if (st.role() != Role.LEADER) {
      leaderTerm = -1;
      deadlines.clear();
      revoking.clear();
      return false;
    }
    if (leaderTerm != st.term()) {
      leaderTerm = st.term();
      deadlines.clear();
      revoking.clear();
      scan = true;
    }
    if (!scan) {
      return true;
    }
    List<Lease> leases = store.get().leases();
    Set<Long> live = new HashSet<>();
    for (Lease l : leases) {
      live.add(l.id());
      deadlines.putIfAbsent(l.id(), now + ttlNanos(l.ttlSeconds()));
    }
    deadlines.keySet().retainAll(live);
    revoking.keySet().retainAll(live);
    return true;
  }

  private static long ttlNanos(long ttlSeconds) {
    return ttlSeconds >= Long.MAX_VALUE / NANOS_PER_SECOND
        ? Long.MAX_VALUE / 4
        : ttlSeconds * NANOS_PER_SECOND;
  }

  /** Checks expiry once: proposes a revoke for every lease past its deadline (leader only). */
  public synchronized void tick() {
    long now = clock.getAsLong();
    if (!syncLeadership(now, true)) {
      return;
    }
    for (Map.Entry<Long, Long> e : deadlines.entrySet()) {
      long id = e.getKey();
      if (e.getValue() - now > 0) {
        continue;
      }
      Long proposed = revoking.get(id);
      if (proposed != null && now - proposed < REVOKE_RETRY_NANOS) {
        continue;
      }
      revoking.put(id, now);
      // The server revokes an expired lease on its own behalf (etcd does it as root): with auth
      // enabled it says so, or the keys' permissions would stop it.
      Op revoke = new LeaseRevokeRequest(id);
      if (store.get().auth().enabled()) {
        revoke = new ServerRequest(revoke);
      }
      propose
          .apply(KvCommands.encode(revoke))
          .whenComplete(
              (applied, err) -> {
                if (err != null) {
                  LOG.log(
                      System.Logger.Level.DEBUG,
                      "revoking expired lease " + Long.toHexString(id) + ": " + err);
                }
              });
    }
  }

  /** A lease granted through this member: its deadline starts now (on the leader). */
  public synchronized void granted(long id, long ttlSeconds) {
    long now = clock.getAsLong();
    if (syncLeadership(now, false)) {
      deadlines.put(id, now + ttlNanos(ttlSeconds));
    }
  }

  /**
   * Refreshes the lease's deadline to now + TTL.
   *
   * @return the TTL in seconds, or 0 when the lease is not granted (or already expired)
   * @throws NotLeaderException on a follower
   */
  public synchronized long keepAlive(long id) {
    long now = clock.getAsLong();
    if (!syncLeadership(now, false)) {
      throw new NotLeaderException();
    }
    Lease l = store.get().lease(id);
    Long deadline = deadlines.get(id);
    if (l == null || (deadline != null && deadline - now <= 0)) {
      return 0;
    }
    deadlines.put(id, now + ttlNanos(l.ttlSeconds()));
    return l.ttlSeconds();
  }

  /**
   * The lease's remaining seconds (truncated, as etcd) and granted TTL; -1 remaining when it is not
   * granted.
   *
   * @throws NotLeaderException on a follower
   */
  public synchronized Remaining timeToLive(long id) {
    long now = clock.getAsLong();
    if (!syncLeadership(now, false)) {
      throw new NotLeaderException();
    }
    Lease l = store.get().lease(id);
    if (l == null) {
      return new Remaining(-1, 0);
    }
    long deadline = deadlines.getOrDefault(id, now + ttlNanos(l.ttlSeconds()));
    return new Remaining(Math.max(0, (deadline - now) / NANOS_PER_SECOND), l.ttlSeconds());
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}

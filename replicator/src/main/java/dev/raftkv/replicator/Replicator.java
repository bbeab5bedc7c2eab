package dev.raftkv.replicator;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.Role;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.Applied;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.runtime.StateMachine;
import dev.raftkv.transport.TcpTransport;
import dev.raftkv.transport.TcpTransportConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * One member of a cluster started the way seed document 000's "Replicator" was ({@code
 * GetNew("config.json", pid)}): from the seed's JSON config file and the member's pid. Once {@link
 * #create} returns, the member listens for its peers, takes part in elections, and, as leader,
 * sends heartbeats; {@link #detach()} and {@link #attach()} induce and heal a partition of this
 * member, as the seed's {@code Detach()} and {@code Attach()} did.
 *
 * <p>Wiring: a {@link TcpTransport} listening on {@code selfHost:startAddress+pid} whose handler is
 * {@link RaftRuntime#deliver}, and a {@link RaftRuntime} whose outbound is {@link
 * TcpTransport#send}. The log is in memory ({@link MemoryStorage#bootstrap} of {@code peersPid}),
 * as the seed had no persistence: a restarted member starts empty. PreVote and CheckQuorum are on
 * (the {@link RaftConfig#defaults} ones), so a leader cut off from a quorum steps down within an
 * election timeout ({@link #leaderId()} becomes 0) and a member coming back from a partition does
 * not disrupt the leader. See {@link SeedConfig} for how the config's fields map onto raftkv.
 *
 * <p>The facade's own state machine keeps every applied non-empty payload in log order ({@link
 * #applied()}); it is meant for tests and demonstrations, not for large data.
 *
 * <p>All methods are thread-safe.
 */
public final class Replicator implements AutoCloseable {

  private final long id;
  private final SeedConfig config;
  private final AppliedLog log = new AppliedLog();
  private final RaftRuntime runtime;
  private final TcpTransport transport;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Replicator(SeedConfig config, long id, Random random) {
    this.id = id;
    this.config = config;
    Map<Long, InetSocketAddress> peers = new TreeMap<>(config.addresses(id));
    peers.remove(id);
    TcpTransportConfig tc =
        TcpTransportConfig.of(
                clusterId(config.members()),
                id,
                new InetSocketAddress(config.selfHost(), config.port(id)),
                peers)
            .withQueueCapacity(config.bufSize());
    // The handler reads this.runtime, assigned below; no message arrives before start().
    this.transport = new TcpTransport(tc, this::deliver);
    List<Integer> ticks = config.electionTicks();
    RaftConfig rc = RaftConfig.defaults(id).withElectionTicks(ticks.get(0), ticks.get(1));
    this.runtime =
        new RaftRuntime(
            rc,
            MemoryStorage.bootstrap(config.members()),
            log,
            transport::send,
            RaftRuntime.threadTicker(),
            Duration.ofMillis(config.tickMs()),
            0,
            random);
  }

  /**
   * Reads the seed 000 config file {@code configJson} and starts member {@code pid}, as the seed's
   * {@code GetNew("config.json", pid)}. Blocks until the member listens on its port (not until a
   * leader is elected).
   *
   * @throws IOException if the file cannot be read or the member's port cannot be bound (the
   *     message names the address)
   * @throws IllegalArgumentException naming the file and the field if the config is wrong, or
   *     naming the pid if it is not in {@code peersPid}
   */
  public static Replicator create(Path configJson, int pid) throws IOException {
    return create(SeedConfig.read(configJson), pid);
  }

  /**
   * Starts member {@code pid} of an already parsed config. Blocks until the member listens on its
   * port.
   *
   * @throws IOException if the member's port cannot be bound
   * @throws IllegalArgumentException naming the pid if it is not in {@code peersPid}
   */
  public static Replicator create(SeedConfig config, int pid) throws IOException {
    return create(config, pid, new Random());
  }

  /**
   * As {@link #create(SeedConfig, int)}, with the randomness of the election timeouts given (for
   * reproducible tests).
   *
   * @throws IOException if the member's port cannot be bound
   * @throws IllegalArgumentException naming the pid if it is not in {@code peersPid}
   */
  public static Replicator create(SeedConfig config, int pid, Random random) throws IOException {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(random, "random");
    if (!config.members().contains((long) pid)) {
      throw new IllegalArgumentException(
          "pid "
              + pid
              + " is not in peersPid \""
              + config.members().stream().map(String::valueOf).collect(Collectors.joining(","))
              + "\"; every member, this one included, must be listed there");
    }
    Replicator r = new Replicator(config, pid, random);
    try {
      r.transport.start();
    } catch (UncheckedIOException e) {
      r.runtime.close();
      r.transport.close();
      // The message names the member and the address; the cause is the socket's exception.
      throw new IOException(e.getMessage(), e.getCause());
    } catch (RuntimeException e) {
      r.runtime.close();
      r.transport.close();
      throw e;
    }
    return r;
  }

  /**
   * The cluster id every member of one config agrees on, so that a member of another config (say a
   * stale process on a reused port) is refused at the handshake: the 64-bit FNV-1a hash of the
   * sorted member ids in decimal, joined by commas (for "3,1,2": the hash of "1,2,3").
   */
  public static long clusterId(Set<Long> members) {
    String key = members.stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private void deliver(Message m) {
    runtime.deliver(m);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Cuts this member off from its peers (the seed's {@code Detach()}): until {@link #attach()}, it
   * sends and receives no peer traffic; its node keeps running (a follower will campaign in vain, a
   * leader steps down once it misses a quorum). Never blocks for long. Idempotent.
   */
  public void detach() {
    transport.detach();
  }

  /**
   * Ends a {@link #detach()} (the seed's {@code Attach()}): peer traffic flows again, and the
   * member catches up with the leader. Returns at once. Idempotent.
   */
  public void attach() {
    transport.attach();
  }

  /** Whether this member is detached. Never blocks. */
  public boolean isDetached() {
    return transport.isDetached();
  }

  /** This member's id (its pid). */
  public long id() {
    return id;
  }

  /** The config this member was started from. */
  public SeedConfig config() {
    return config;
  }

  /** Whether this member currently leads. Never blocks. */
  public boolean isLeader() {
    return runtime.status().role() == Role.LEADER;
  }

  /**
   * The leader this member knows of in its current term, or 0 when it knows of none (the seed's
   * "detects when no leader is present"): during an election, or after a leader stepped down for
   * lack of a quorum. Never blocks.
   */
  public long leaderId() {
    return runtime.status().leader();
  }

  /** This member's current term. Never blocks. */
  public long term() {
    return runtime.status().term();
  }

  /** This member's role (follower, pre-candidate, candidate, leader). Never blocks. */
  public Role role() {
    return runtime.status().role();
  }

  /** The node's full state (role, term, leader, commit, ...). Never blocks. */
  public Status status() {
    return runtime.status();
  }

  /**
   * Replicates {@code payload}. Returns at once; the future completes with the entry's log index
   * once it is committed and applied on this member (then it is also in {@link #applied()}), or
   * fails with the runtime's exception: {@link dev.raftkv.raft.ProposalRejectedException} when no
   * leader is known, {@link IllegalStateException} once closed. A proposal can also be lost in a
   * leader change without the future ever completing: callers add their own timeout ({@code
   * orTimeout}). A follower forwards the proposal to the leader.
   *
   * @throws NullPointerException if {@code payload} is null
   */
  public CompletableFuture<Long> propose(byte[] payload) {
    Objects.requireNonNull(payload, "payload");
    return runtime.propose(payload.clone()).thenApply(Applied::index);
  }

  /**
   * The non-empty payloads applied on this member so far, in log order (copies). Empty payloads are
   * committed but, like a new leader's empty entry, not listed. Never blocks for long.
   */
  public List<byte[]> applied() {
    return log.values();
  }

  /** The index of the last log entry applied on this member. Never blocks. */
  public long appliedIndex() {
    return runtime.appliedIndex();
  }

  /**
   * Stops the node (pending proposals fail), then the transport. Blocks until their threads have
   * stopped (a few seconds at most). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      runtime.close();
    } finally {
      transport.close();
    }
  }

  @Override
  public String toString() {
    Status s = runtime.status();
    return "Replicator{id="
        + id
        + ", role="
        + s.role()
        + ", term="
        + s.term()
        + ", leader="
        + s.leader()
        + (isDetached() ? ", detached" : "")
        + "}";
  }

  /**
   * The facade's state machine: the applied non-empty payloads in order. Written by the apply
   * thread only; read from any thread.
   */
  private static final class AppliedLog implements StateMachine {
    private final List<byte[]> values = new ArrayList<>();
    private long appliedIndex;

    @Override
    public synchronized List<?> apply(List<Entry> entries) {
      for (Entry e : entries) {
        if (e.type() == EntryType.NORMAL && e.data().length > 0) {
          values.add(e.data());
        }
        appliedIndex = e.index();
      }
      return java.util.Collections.nCopies(entries.size(), null);
    }

    @Override
    public synchronized long appliedIndex() {
      return appliedIndex;
    }

    /** Each value as a 4-byte length and its bytes. */
    @Override
    public synchronized byte[] snapshot() {
      int size = 0;
      for (byte[] v : values) {
        size += 4 + v.length;
      }
      ByteBuffer b = ByteBuffer.allocate(size);
      for (byte[] v : values) {
        b.putInt(v.length).put(v);
      }
      return b.array();
    }

    @Override
    public synchronized void restore(Snapshot snapshot) {
      values.clear();
      ByteBuffer b = ByteBuffer.wrap(snapshot.data());
      while (b.hasRemaining()) {
        byte[] v = new byte[b.getInt()];
        b.get(v);
        values.add(v);
      }
      appliedIndex = snapshot.metadata().index();
    }

    synchronized List<byte[]> values() {
      List<byte[]> out = new ArrayList<>(values.size());
      for (byte[] v : values) {
        out.add(v.clone());
      }
      return out;
    }
  }
}

package dev.raftkv.server;

import dev.raftkv.kv.KvStore;
import dev.raftkv.kv.Member;
import dev.raftkv.raft.Status;
import dev.raftkv.runtime.RaftRuntime;
import dev.raftkv.server.dashboard.Dashboard;
import dev.raftkv.server.dashboard.LocalStatus;
import dev.raftkv.server.metrics.MetricTotals;
import dev.raftkv.server.metrics.ServerMetrics;
import dev.raftkv.transport.TcpTransport;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running member as its admin dashboard reads it: runtime, store, transport and metrics. Nothing
 * here blocks the admin event loop that calls it: the member list is read from the store (which a
 * snapshot install holds for seconds) on {@code reader}, and each call returns the list read last
 * and asks for a fresh one.
 */
final class DashboardSource implements Dashboard.Source {
  private final String name;
  private final RaftRuntime runtime;
  private final KvStore store;
  private final TcpTransport transport;
  private final ServerMetrics metrics;
  private final Executor reader;
  private final AtomicBoolean reading = new AtomicBoolean();
  private volatile List<Member> members;

  /** Reads the member list once, on the calling thread (the server's start). */
  DashboardSource(
      String name,
      RaftRuntime runtime,
      KvStore store,
      TcpTransport transport,
      ServerMetrics metrics,
      Executor reader) {
    this.name = name;
    this.runtime = runtime;
    this.store = store;
    this.transport = transport;
    this.metrics = metrics;
    this.reader = reader;
    this.members = store.members();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public LocalStatus status() {
    Status s = runtime.status();
    return new LocalStatus(
        s.id(),
        s.role().name().toLowerCase(Locale.ROOT),
        s.term(),
        s.leader(),
        s.commit(),
        runtime.appliedIndex(),
        transport.isDetached());
  }

  @Override
  public List<Member> members() {
    if (reading.compareAndSet(false, true)) {
      try {
        reader.execute(
            () -> {
              try {
                members = store.members();
              } catch (RuntimeException stoppingOrFailed) {
                // keep the last list; the member's own failure handling reports the store
              } finally {
                reading.set(false);
              }
            });
      } catch (RejectedExecutionException stopping) {
        reading.set(false);
      }
    }
    return members;
  }

  @Override
  public MetricTotals totals() {
    return metrics.totals();
  }
}

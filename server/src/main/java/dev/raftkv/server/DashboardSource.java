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

/** A running member as its admin dashboard reads it: runtime, store, transport and metrics. */
record DashboardSource(
    String name, RaftRuntime runtime, KvStore store, TcpTransport transport, ServerMetrics metrics)
    implements Dashboard.Source {
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
    return store.members();
  }

  @Override
  public MetricTotals totals() {
    return metrics.totals();
  }
}

package dev.raftkv.server;

import dev.raftkv.kv.ApplyResult;
import dev.raftkv.kv.KvStateMachine;
import dev.raftkv.kv.Member;
import dev.raftkv.kv.MemberResponse;
import dev.raftkv.kv.Members;
import dev.raftkv.kv.OpResult;
import dev.raftkv.transport.TcpTransport;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Keeps the peer transport in step with the replicated members: when a membership change, a peer
 * URL update or a snapshot applies, new members become reachable, moved ones are reconnected and
 * removed ones are dropped and answered "removed" if they call. It also notices that this member
 * was removed — by applying its own removal, or by a peer refusing it as removed — and says so
 * once, so the server can stop as etcd's does.
 *
 * <p>The peers it knows are those it started with (the founding members, or what the cluster told a
 * joining member) together with every member the store has seen, less the removed ones. A member
 * whose store is behind (restarted, or cut off while members were added) may not know the current
 * leader at all: the transport accepts any member of the cluster that is not marked removed and
 * answers it at the address its handshake gave, until the log that adds it applies here and names
 * it (see {@link TcpTransport}). So the removed set handed to the transport is what keeps members
 * out, not the peer map.
 */
final class Membership implements KvStateMachine.ApplyListener {
  private static final System.Logger LOG = System.getLogger(Membership.class.getName());

  private final long self;
  private final KvStateMachine kv;
  private final TcpTransport transport;
  private final Consumer<String> onRemoved;
  private final Map<Long, InetSocketAddress> known;
  private final AtomicBoolean removed = new AtomicBoolean();

  /**
   * @param self this member's id
   * @param initialPeers the peers it starts with (founding members, or from the running cluster)
   * @param onRemoved told once, with the reason, when this member learns it was removed
   */
  Membership(
      long self,
      KvStateMachine kv,
      TcpTransport transport,
      Map<Long, InetSocketAddress> initialPeers,
      Consumer<String> onRemoved) {
    this.self = self;
    this.kv = kv;
    this.transport = transport;
    this.onRemoved = onRemoved;
    this.known = new HashMap<>(initialPeers);
  }

  /** Starts following: answers joining members' queries and applies the store's members now. */
  void start() {
    transport.setClusterInfo(() -> Members.encodeList(kv.store().members()));
    transport.onRemoved(
        reason -> removed("a peer refused it: " + reason + " (it missed its own removal)"));
    kv.addApplyListener(this);
    refresh();
  }

  @Override
  public void applied(List<ApplyResult> results) {
    for (ApplyResult r : results) {
      for (OpResult o : r.results()) {
        if (o.response() instanceof MemberResponse) {
          refresh();
          return;
        }
      }
    }
  }

  @Override
  public void restored(long revision) {
    refresh();
  }

  /** Whether this member learned that it was removed from the cluster. */
  boolean isRemoved() {
    return removed.get();
  }

  private synchronized void refresh() {
    Set<Long> gone = kv.store().removedMembers();
    for (Member m : kv.store().members()) {
      if (!m.peerUrls().isEmpty()) {
        InetSocketAddress a = address(m.peerUrls().get(0));
        if (a != null) {
          known.put(m.id(), a);
        }
      }
    }
    known.keySet().removeAll(gone);
    known.remove(self);
    transport.setRemovedMembers(gone);
    transport.updatePeers(known);
    if (gone.contains(self)) {
      removed("it applied its own removal");
    }
  }

  private void removed(String how) {
    if (removed.compareAndSet(false, true)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "member "
              + Long.toHexString(self)
              + ": the member has been permanently removed from the cluster ("
              + how
              + ")");
      onRemoved.accept(how);
    }
  }

  /** The socket address of a peer URL, or null (logged) if it has none. */
  static InetSocketAddress address(String url) {
    try {
      return ServerConfig.address(ServerConfig.parseUrl("peer URL", url));
    } catch (IllegalArgumentException e) {
      LOG.log(
          System.Logger.Level.WARNING, "ignoring member peer URL " + url + ": " + e.getMessage());
      return null;
    }
  }
}

package dev.raftkv.transport;

import dev.raftkv.raft.Message;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A network in one process for tests: members join with {@link #transport} and messages between
 * them are routed through memory, with links that can be blocked and unblocked.
 *
 * <p>Every message is delivered on the network's single delivery thread, in the order the messages
 * were sent (across all members), so handlers never run concurrently and a handler that sends does
 * not recurse into another member's handler. Whether a message gets through is decided twice: when
 * it is sent (sender started and attached, link open) and when it is delivered (recipient started
 * and attached, link still open).
 *
 * <p>For deterministic tests with virtual time use the testkit simulator; this network is for tests
 * that run real threads against the {@link Transport} interface.
 */
public final class InMemoryNetwork implements AutoCloseable {

  private record Link(long from, long to) {}

  private final Map<Long, InMemoryTransport> members = new ConcurrentHashMap<>();
  private final Set<Link> blocked = ConcurrentHashMap.newKeySet();
  private final ExecutorService delivery =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "raftkv-inmemory-network");
            t.setDaemon(true);
            return t;
          });

  /**
   * Creates the transport of member {@code memberId}; its handler runs on the network's delivery
   * thread.
   *
   * @throws IllegalStateException if the member already has an open transport on this network
   */
  public InMemoryTransport transport(long memberId, Consumer<Message> handler) {
    InMemoryTransport t = new InMemoryTransport(this, memberId, handler);
    InMemoryTransport previous = members.putIfAbsent(memberId, t);
    if (previous != null) {
      throw new IllegalStateException("member " + memberId + " already has a transport");
    }
    return t;
  }

  /** Blocks the link between {@code a} and {@code b} in both directions. */
  public void block(long a, long b) {
    blocked.add(new Link(a, b));
    blocked.add(new Link(b, a));
  }

  /** Blocks messages from {@code from} to {@code to} only. */
  public void blockOneWay(long from, long to) {
    blocked.add(new Link(from, to));
  }

  /** Unblocks the link between {@code a} and {@code b} in both directions. */
  public void unblock(long a, long b) {
    blocked.remove(new Link(a, b));
    blocked.remove(new Link(b, a));
  }

  /** Unblocks every link. */
  public void unblockAll() {
    blocked.clear();
  }

  /** Whether messages from {@code from} to {@code to} are blocked. */
  public boolean isBlocked(long from, long to) {
    return blocked.contains(new Link(from, to));
  }

  /** Stops the delivery thread; messages still in flight are lost. */
  @Override
  public void close() {
    delivery.shutdownNow();
    try {
      delivery.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void route(InMemoryTransport sender, Message m) {
    InMemoryTransport recipient = members.get(m.to());
    if (isBlocked(m.from(), m.to()) || recipient == null) {
      sender.counters().droppedUnreachable.increment();
      return;
    }
    if (recipient.isDetached()) {
      // Dropped now, not only at delivery: it must not arrive after a quick attach().
      recipient.counters().droppedDetached.increment();
      sender.counters().sent.increment();
      return;
    }
    sender.counters().sent.increment();
    try {
      delivery.execute(
          () -> {
            InMemoryTransport target = members.get(m.to());
            if (target != null && !isBlocked(m.from(), m.to())) {
              target.deliver(m);
            }
          });
    } catch (RejectedExecutionException e) {
      sender.counters().droppedUnreachable.increment();
    }
  }

  void leave(InMemoryTransport t) {
    members.remove(t.memberId(), t);
  }
}

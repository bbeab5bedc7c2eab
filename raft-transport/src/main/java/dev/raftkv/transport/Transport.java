package dev.raftkv.transport;

import dev.raftkv.raft.Message;
import java.util.Collection;

/**
 * Carries Raft messages between the members of one cluster.
 *
 * <p>Raft tolerates lost, duplicated and reordered messages, and the transport relies on that:
 * delivery is best effort. Messages from one sender to one recipient are delivered in the order
 * they were sent, without gaps <em>within one connection</em>; anything may be lost when a
 * connection breaks, a queue overflows, or a node is detached. Raft retransmits what matters.
 *
 * <p>Inbound messages go to the handler given at construction. Each implementation documents on
 * which thread it runs the handler; the handler must not block (hand the message to the node loop
 * and return) and should not throw: an exception from it is logged and the message is lost.
 *
 * <p>All methods are thread-safe.
 */
public interface Transport extends AutoCloseable {

  /**
   * Starts accepting connections and sending. Must be called once, before {@link #send}.
   *
   * @throws java.io.UncheckedIOException if the listening address cannot be bound
   * @throws IllegalStateException if already started or closed
   */
  void start();

  /**
   * Queues a message for {@link Message#to()} and returns at once. Never blocks and never throws
   * for network trouble: when the recipient is unreachable, unknown, too slow (its queue is full)
   * or the message is too large for a frame, the message is dropped and counted in {@link
   * #stats()}. Messages sent before {@link #start()} or after {@link #close()} are dropped too.
   *
   * @throws NullPointerException if {@code message} is null
   */
  void send(Message message);

  /** Sends each message in order, as {@link #send} does (for {@code Ready.messages()}). */
  default void sendAll(Collection<? extends Message> messages) {
    for (Message m : messages) {
      send(m);
    }
  }

  /**
   * Cuts this node off from its peers, as if its network cable were pulled: from when this returns
   * until {@link #attach()}, nothing it sends leaves and nothing sent to it is delivered. Open
   * connections are closed and queued outbound messages are dropped. Idempotent.
   */
  void detach();

  /** Ends a {@link #detach()}: peer traffic flows again (reconnecting as needed). Idempotent. */
  void attach();

  /** Whether the node is detached. */
  boolean isDetached();

  /** Counters since construction. */
  TransportStats stats();

  /**
   * Closes every connection and stops the transport's threads; queued messages are dropped. Blocks
   * until its threads have stopped (bounded: about a second). Idempotent.
   */
  @Override
  void close();
}

package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

import dev.raftkv.raft.Message;
import java.text.MessageFormat;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Hands arriving messages to the application's handler: on the calling event-loop thread, or on the
 * executor the transport was given; in either case in the order one connection delivers them. Each
 * message is counted as received; one the executor rejects (it is shutting down) is counted as
 * dropped unreachable instead of delivered.
 *
 * <p>Thread-safe (no state of its own). Blocks only if the executor's {@code execute} or, without
 * an executor, the handler blocks (it must not). Throws nothing: a handler that throws is logged at
 * WARNING and the connection carries on.
 */
final class Delivery {

  // All the transport's parts log under its name, which is what operators configure.
  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  private final long memberId;
  private final Consumer<Message> handler;
  private final Executor executor; // null: run the handler on the event loop
  private final Counters counters;

  /**
   * Delivers to {@code handler} on {@code executor}, or on the caller's thread if it is null;
   * {@code memberId} names this member in the log.
   */
  Delivery(long memberId, Consumer<Message> handler, Executor executor, Counters counters) {
    this.memberId = memberId;
    this.handler = handler;
    this.executor = executor;
    this.counters = counters;
  }

  void deliver(Message m) {
    counters.received.increment();
    if (executor == null) {
      runHandler(m);
    } else {
      try {
        executor.execute(() -> runHandler(m));
      } catch (RejectedExecutionException e) {
        counters.droppedUnreachable.increment();
      }
    }
  }

  private void runHandler(Message m) {
    try {
      handler.accept(m);
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          () -> MessageFormat.format("member {0}: handler threw on {1}", hex(memberId), m),
          e);
    }
  }
}

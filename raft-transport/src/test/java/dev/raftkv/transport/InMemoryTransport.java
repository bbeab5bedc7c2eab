package dev.raftkv.transport;

import dev.raftkv.raft.Message;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A member's {@link Transport} on an {@link InMemoryNetwork}. Its handler runs on the network's
 * delivery thread. Messages are never queued per peer, so there is no overflow and no size limit.
 */
public final class InMemoryTransport implements Transport {

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final InMemoryNetwork network;
  private final long memberId;
  private final Consumer<Message> handler;
  private final Counters counters = new Counters();
  private volatile State state = State.NEW;
  private volatile boolean detached;

  InMemoryTransport(InMemoryNetwork network, long memberId, Consumer<Message> handler) {
    this.network = network;
    this.memberId = memberId;
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /** This member's id. */
  public long memberId() {
    return memberId;
  }

  @Override
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("transport of member " + memberId + " is " + state);
    }
    state = State.STARTED;
  }

  @Override
  public void send(Message message) {
    Objects.requireNonNull(message, "message");
    if (detached) {
      counters.droppedDetached.increment();
    } else if (state != State.STARTED || message.to() == memberId) {
      counters.droppedUnreachable.increment();
    } else {
      network.route(this, message);
    }
  }

  @Override
  public void detach() {
    detached = true;
  }

  @Override
  public void attach() {
    detached = false;
  }

  @Override
  public boolean isDetached() {
    return detached;
  }

  @Override
  public TransportStats stats() {
    return counters.snapshot();
  }

  @Override
  public synchronized void close() {
    state = State.CLOSED;
    network.leave(this);
  }

  Counters counters() {
    return counters;
  }

  /** Runs on the network's delivery thread. */
  void deliver(Message m) {
    if (detached) {
      counters.droppedDetached.increment();
    } else if (state != State.STARTED) {
      counters.droppedUnreachable.increment();
    } else {
      counters.received.increment();
      try {
        handler.accept(m);
      } catch (RuntimeException e) {
        System.getLogger(InMemoryTransport.class.getName())
            .log(System.Logger.Level.WARNING, "member " + memberId + ": handler threw on " + m, e);
      }
    }
  }
}

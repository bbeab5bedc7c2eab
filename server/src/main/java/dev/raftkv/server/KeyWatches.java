package dev.raftkv.server;

import dev.raftkv.kv.Event;
import dev.raftkv.kv.WatchHub;
import dev.raftkv.kv.WatchReply;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's own watchers, for the services that wait on keys (Lock, Election): one internal
 * stream of the {@link WatchHub}, so a wait is woken by the very event that ends it, the way etcd's
 * {@code concurrency} package waits with a watch; nothing polls. A watcher may start at a past
 * revision (the hub replays history), so nothing between a read and the watcher is missed.
 *
 * <p>Each watcher's events reach its {@link Listener} in revision order, on the hub's sender
 * thread; listeners must not block.
 */
final class KeyWatches implements WatchHub.Sink {
  /** What one watcher hears. */
  interface Listener {
    /** One revision's events (or more, in order); never empty. */
    void events(List<Event> events);

    /**
     * The watcher ended without being cancelled: its history was compacted away, it failed, or the
     * server stops. Called once; no events follow.
     */
    void ended(RuntimeException why);
  }

  /** A watcher, to cancel. */
  interface Handle {
    /** Drops the watcher; its listener hears nothing more. Idempotent. */
    void cancel();
  }

  private final WatchHub.Stream stream;
  private final Map<Long, Listener> listeners = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile boolean closed;

  KeyWatches(WatchHub hub) {
    this.stream = hub.open(this);
  }

  /**
   * Watches {@code [key, end)} (end null: the key alone) from {@code fromRevision} on (0: from the
   * next one).
   */
  Handle watch(byte[] key, byte[] end, long fromRevision, Listener listener) {
    long id = ids.incrementAndGet();
    listeners.put(id, listener);
    if (closed) {
      // the stream ended (the server stops): end this one too, unless the ending did already
      if (listeners.remove(id) != null) {
        listener.ended(EtcdError.SERVER_STOPPED.exception());
      }
      return () -> {};
    }
    stream.create(
        new WatchHub.Create(id, key, end, fromRevision, false, false, false, false, false));
    return () -> {
      if (listeners.remove(id) != null) {
        stream.cancel(id);
      }
    };
  }

  @Override
  public boolean ready() {
    return true;
  }

  @Override
  public void send(WatchReply reply) {
    Listener l = listeners.get(reply.watchId());
    if (l == null) {
      return;
    }
    if (reply.canceled()) {
      if (listeners.remove(reply.watchId()) != null) {
        l.ended(
            reply.compactRevision() > 0
                ? EtcdError.toStatus(
                    new dev.raftkv.kv.KvException(dev.raftkv.kv.KvException.Code.COMPACTED))
                : EtcdError.SERVER_STOPPED.exception());
      }
      return;
    }
    if (!reply.events().isEmpty()) {
      l.events(reply.events());
    }
  }

  @Override
  public void stopped() {
    endAll();
  }

  @Override
  public void failed(RuntimeException e) {
    endAll();
  }

  private void endAll() {
    closed = true;
    for (Long id : List.copyOf(listeners.keySet())) {
      Listener l = listeners.remove(id);
      if (l != null) {
        l.ended(EtcdError.SERVER_STOPPED.exception());
      }
    }
  }
}

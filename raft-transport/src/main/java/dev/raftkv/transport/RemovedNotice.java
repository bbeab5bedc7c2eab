package dev.raftkv.transport;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The application's listener for "this member was removed from the cluster", which a peer's
 * handshake answer reports: it runs once, on the first report, then is replaced by a no-op until
 * {@link #set} installs another.
 *
 * <p>Thread-safe: any thread may {@link #set} or {@link #accept}; taking the listener and leaving
 * the no-op in its place is one atomic step, so reports racing on several event loops run it once.
 * Never throws: a listener that throws is logged at WARNING.
 */
final class RemovedNotice implements Consumer<String> {

  // All the transport's parts log under its name, which is what operators configure.
  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  /** The no-op that stands between a report and the next {@link #set}. */
  private static void none(String reason) {}

  private static final Consumer<String> NONE = RemovedNotice::none;

  private final AtomicReference<Consumer<String>> listener = new AtomicReference<>(NONE);

  /** Runs {@code listener} on the next report. */
  void set(Consumer<String> listener) {
    this.listener.set(Objects.requireNonNull(listener, "listener"));
  }

  /** A peer reported that this member was removed, explaining with {@code detail}. */
  @Override
  public void accept(String detail) {
    Consumer<String> l = listener.getAndSet(NONE);
    try {
      l.accept(detail);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "removed-member listener failed", e);
    }
  }
}

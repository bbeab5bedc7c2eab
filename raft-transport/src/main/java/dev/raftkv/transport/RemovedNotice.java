package dev.raftkv.transport;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The application's listener for "this member was removed from the cluster", which a peer's
 * handshake answer reports: it runs once, on the first report, then is replaced by a no-op until
 * {@link #set} installs another.
 *
 * <p>Thread-safe in that any thread may {@link #set} or {@link #accept} (the listener field is
 * volatile); the read and the reset are two steps, so two reports on two event loops at the same
 * instant could both run it. Never throws: a listener that throws is logged at WARNING.
 */
final class RemovedNotice implements Consumer<String> {

  // All the transport's parts log under its name, which is what operators configure.
  private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

  private volatile Consumer<String> listener = reason -> {};

  /** Runs {@code listener} on the next report. */
  void set(Consumer<String> listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** A peer reported that this member was removed, explaining with {@code detail}. */
  @Override
  public void accept(String detail) {
    Consumer<String> l = listener;
    listener = reason -> {};
    try {
      l.accept(detail);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "removed-member listener failed", e);
    }
  }
}

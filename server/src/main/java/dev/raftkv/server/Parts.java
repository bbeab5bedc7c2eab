package dev.raftkv.server;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The parts of a member in the order they were built, so that they are closed in the reverse order,
 * exactly once: the same list serves a start that fails half way and a normal stop. A part that
 * fails to close is logged and the others are still closed. Thread-safe.
 */
final class Parts implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Parts.class.getName());

  private record Part(String name, AutoCloseable closer) {}

  private final Deque<Part> built = new ArrayDeque<>();
  private boolean closed;

  /**
   * Records {@code part}, built just now, to be closed by {@code closer}; returns the part.
   *
   * @throws IllegalStateException if the parts were closed already (the part is closed at once)
   */
  <T> T add(String name, T part, AutoCloseable closer) {
    synchronized (this) {
      if (!closed) {
        built.push(new Part(name, closer));
        return part;
      }
    }
    closeQuietly(new Part(name, closer));
    throw new IllegalStateException("the member is closed; " + name + " was not kept");
  }

  /** Records a part that closes itself. */
  <T extends AutoCloseable> T add(String name, T part) {
    return add(name, part, part);
  }

  /** Closes every part, the last built first; later calls do nothing. Never throws. */
  @Override
  public void close() {
    while (true) {
      Part p;
      synchronized (this) {
        closed = true;
        p = built.poll();
      }
      if (p == null) {
        return;
      }
      closeQuietly(p);
    }
  }

  private static void closeQuietly(Part p) {
    try {
      p.closer().close();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.WARNING, "closing {0} failed: {1}", p.name(), e.toString());
    }
  }
}

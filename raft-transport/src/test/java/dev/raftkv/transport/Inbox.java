package dev.raftkv.transport;

import dev.raftkv.raft.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Collects delivered messages; waits by polling against a deadline, never by sleeping long. */
final class Inbox implements Consumer<Message> {
  private final List<Message> received = new CopyOnWriteArrayList<>();

  @Override
  public void accept(Message m) {
    received.add(m);
  }

  List<Message> all() {
    return new ArrayList<>(received);
  }

  int size() {
    return received.size();
  }

  long count(Predicate<Message> p) {
    return received.stream().filter(p).count();
  }

  void clear() {
    received.clear();
  }

  /** Polls every 5 ms until {@code condition} holds; false if {@code timeout} passes first. */
  static boolean await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}

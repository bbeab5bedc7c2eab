package dev.raftkv.testkit.sim;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The simulated network's behaviour: per-message delay, loss and duplication, and a set of blocked
 * directed links that models partitions of any shape (one-way ones included).
 */
final class SimNetwork {
  /** Blocked directed links, encoded as {@code from * 1000 + to}. */
  private final Set<Long> blocked = new HashSet<>();

  double lossRate;
  double duplicateRate;
  int minDelayMs;
  int maxDelayMs;

  SimNetwork(double lossRate, double duplicateRate, int minDelayMs, int maxDelayMs) {
    this.lossRate = lossRate;
    this.duplicateRate = duplicateRate;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
  }

  boolean connected(long from, long to) {
    return !blocked.contains(from * 1000 + to);
  }

  void block(long from, long to) {
    blocked.add(from * 1000 + to);
  }

  void unblock(long from, long to) {
    blocked.remove(from * 1000 + to);
  }

  /** Cuts {@code id} off from every other node in both directions. */
  void isolate(long id, List<Long> all) {
    for (long other : all) {
      if (other != id) {
        block(id, other);
        block(other, id);
      }
    }
  }

  /** Reconnects {@code id} with every node that is not itself isolated. */
  void attach(long id, List<Long> all, Set<Long> stillDetached) {
    for (long other : all) {
      if (other != id && !stillDetached.contains(other)) {
        unblock(id, other);
        unblock(other, id);
      }
    }
  }

  /** Only links inside each group work. */
  void split(List<Set<Long>> groups, List<Long> all) {
    heal();
    for (long a : all) {
      for (long b : all) {
        if (a != b && groups.stream().noneMatch(g -> g.contains(a) && g.contains(b))) {
          block(a, b);
        }
      }
    }
  }

  void heal() {
    blocked.clear();
  }

  boolean isHealed() {
    return blocked.isEmpty();
  }

  int delay(Random random) {
    return minDelayMs + random.nextInt(maxDelayMs - minDelayMs + 1);
  }

  /** The blocked links, for failure reports. */
  String describe() {
    if (blocked.isEmpty()) {
      return "healed";
    }
    StringBuilder sb = new StringBuilder("blocked");
    blocked.stream()
        .sorted()
        .forEach(l -> sb.append(' ').append(l / 1000).append("->").append(l % 1000));
    return sb.toString();
  }
}

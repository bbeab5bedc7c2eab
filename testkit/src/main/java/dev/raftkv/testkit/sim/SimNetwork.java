package dev.raftkv.testkit.sim;

import java.util.ArrayList;
import java.util.Collections;
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

  /**
   * A ring in random order: each node hears only its two neighbours (groups for {@link #split}).
   */
  static List<Set<Long>> ring(Random rnd, List<Long> ids) {
    List<Long> order = new ArrayList<>(ids);
    Collections.shuffle(order, rnd);
    List<Set<Long>> groups = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      groups.add(Set.of(order.get(i), order.get((i + 1) % order.size())));
    }
    return groups;
  }

  /** Two halves that cannot hear each other and one node that hears both (for {@link #split}). */
  static List<Set<Long>> bridge(Random rnd, List<Long> ids) {
    List<Long> order = new ArrayList<>(ids);
    Collections.shuffle(order, rnd);
    long bridge = order.remove(0);
    Set<Long> left = new HashSet<>(order.subList(0, order.size() / 2));
    Set<Long> right = new HashSet<>(order.subList(order.size() / 2, order.size()));
    left.add(bridge);
    right.add(bridge);
    return List.of(left, right);
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

package dev.raftkv.cli.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;

/**
 * A network partition made of the members' block lists: each member blocks every member it must not
 * talk to (so every cut link is cut at both ends). Clients still reach every member.
 */
final class PartitionFault implements Fault {
  private final LocalCluster cluster;
  private final String description;
  private final Map<Integer, Set<Integer>> blocks;

  private PartitionFault(
      LocalCluster cluster, String description, Map<Integer, Set<Integer>> blocks) {
    this.cluster = cluster;
    this.description = description;
    this.blocks = blocks;
  }

  /** Member {@code x} talks to nobody. */
  static PartitionFault isolate(LocalCluster cluster, int x, String why) {
    return of(cluster, "isolate member " + x + " (" + why + ")", (a, b) -> a != x && b != x);
  }

  /** A random minority (size/2 members) and the majority cannot talk to each other. */
  static PartitionFault split(LocalCluster cluster, Random random) {
    List<Integer> order = shuffled(cluster, random);
    Set<Integer> minority = new TreeSet<>(order.subList(0, cluster.size() / 2));
    Set<Integer> majority = new TreeSet<>(order.subList(cluster.size() / 2, order.size()));
    return of(
        cluster,
        "split " + minority + " | " + majority,
        (a, b) -> minority.contains(a) == minority.contains(b));
  }

  /**
   * Two sides that cannot talk to each other and one bridge member that talks to both (with 5
   * members: 2 + bridge + 2, so both sides plus the bridge make a majority).
   */
  static PartitionFault bridge(LocalCluster cluster, Random random) {
    List<Integer> order = shuffled(cluster, random);
    int bridge = order.get(order.size() - 1);
    int half = (order.size() - 1) / 2;
    Set<Integer> left = new TreeSet<>(order.subList(0, half));
    Set<Integer> right = new TreeSet<>(order.subList(half, order.size() - 1));
    return of(
        cluster,
        "bridge " + left + " <" + bridge + "> " + right,
        (a, b) -> a == bridge || b == bridge || left.contains(a) == left.contains(b));
  }

  /** The members in a random ring, each talking only to its two neighbours. */
  static PartitionFault ring(LocalCluster cluster, Random random) {
    List<Integer> order = shuffled(cluster, random);
    int n = order.size();
    return of(
        cluster,
        "ring " + order,
        (a, b) -> {
          int d = Math.abs(order.indexOf(a) - order.indexOf(b));
          return d <= 1 || d == n - 1;
        });
  }

  private static List<Integer> shuffled(LocalCluster cluster, Random random) {
    List<Integer> order = new ArrayList<>(cluster.members());
    Collections.shuffle(order, random);
    return order;
  }

  /** The partition in which members a and b talk exactly when {@code connected.test(a, b)}. */
  static PartitionFault of(
      LocalCluster cluster, String description, BiPredicate<Integer, Integer> connected) {
    Map<Integer, Set<Integer>> blocks = new TreeMap<>();
    for (int a : cluster.members()) {
      Set<Integer> cut = new TreeSet<>();
      for (int b : cluster.members()) {
        if (a != b && !connected.test(a, b)) {
          cut.add(b);
        }
      }
      blocks.put(a, cut);
    }
    return new PartitionFault(cluster, description, blocks);
  }

  /** Each member's block list (members it must not talk to). */
  Map<Integer, Set<Integer>> blocks() {
    return blocks;
  }

  /** Members that talk to fewer than a majority, themselves included. */
  @Override
  public Set<Integer> cutOff() {
    Set<Integer> out = new TreeSet<>();
    int majority = cluster.size() / 2 + 1;
    blocks.forEach(
        (member, cut) -> {
          if (cluster.size() - cut.size() < majority) {
            out.add(member);
          }
        });
    return out;
  }

  @Override
  public String inject() {
    for (Map.Entry<Integer, Set<Integer>> e : blocks.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue;
      }
      StringBuilder ids = new StringBuilder();
      for (int b : e.getValue()) {
        ids.append(ids.length() == 0 ? "" : ",").append(Long.toHexString(cluster.memberId(b)));
      }
      try {
        cluster.post(e.getKey(), "/block?peers=" + ids);
      } catch (java.io.IOException down) {
        // A member that is down (or paused) cannot be told; the heal phase clears every list.
      }
    }
    return description;
  }

  @Override
  public void heal() {
    for (int a : blocks.keySet()) {
      try {
        cluster.post(a, "/unblock");
      } catch (java.io.IOException down) {
        // See inject; the final heal retries until every member answers.
      }
    }
  }
}

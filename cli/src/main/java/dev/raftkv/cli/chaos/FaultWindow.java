package dev.raftkv.cli.chaos;

import dev.raftkv.testkit.lin.Op;
import java.util.Set;

/**
 * When a fault was in force and which members it cut off from a majority of the cluster.
 *
 * @param fault what the nemesis said it did
 * @param cutOff members that could not reach a majority (themselves included) while it lasted
 * @param startNanos when it was injected ({@link System#nanoTime()})
 * @param endNanos when its heal began
 */
record FaultWindow(String fault, Set<Integer> cutOff, long startNanos, long endNanos) {
  FaultWindow {
    cutOff = Set.copyOf(cutOff);
  }

  /** Whether {@code member} was cut off at some moment while {@code op} was in flight. */
  boolean cutOffDuring(int member, Op op) {
    return cutOff.contains(member)
        && op.invokeNanos() < endNanos
        && op.completeNanos() > startNanos;
  }
}

package dev.raftkv.server.dashboard;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The recent leader changes and elections one member saw, at most {@link #capacity()} of them (the
 * oldest are dropped). Fed by observing the member's term and leader often ({@link #observe});
 * confined to one thread (the admin event loop).
 */
public final class LeaderTimeline {
  private final int capacity;
  private final Deque<LeaderEvent> events = new ArrayDeque<>();
  private long term = -1;
  private long leader;

  /**
   * @param capacity how many events are kept
   */
  public LeaderTimeline(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Notes the member's term and leader now; returns whether either changed (worth telling the pages
   * at once). A new term is an {@link LeaderEvent.Kind#ELECTION}, a leader known now and not before
   * a {@link LeaderEvent.Kind#LEADER} (both, in that order, if an election was won between two
   * observations), a leader lost within a term a {@link LeaderEvent.Kind#NO_LEADER}. The first
   * observation records only a known leader.
   *
   * @param nowMillis the time (epoch milliseconds)
   * @param currentTerm the member's term
   * @param currentLeader the leader it knows in that term, 0 for none
   * @param nameOf the name of a member id, for the events
   */
  public boolean observe(
      long nowMillis, long currentTerm, long currentLeader, LongFunction<String> nameOf) {
    boolean first = term < 0;
    boolean newTerm = currentTerm != term;
    boolean newLeader = currentLeader != leader;
    if (!newTerm && !newLeader) {
      return false;
    }
    if (newTerm && !first) {
      add(new LeaderEvent(nowMillis, LeaderEvent.Kind.ELECTION, currentTerm, 0, ""));
    }
    if (newLeader && currentLeader != 0) {
      add(
          new LeaderEvent(
              nowMillis,
              LeaderEvent.Kind.LEADER,
              currentTerm,
              currentLeader,
              nameOf.apply(currentLeader)));
    } else if (newLeader && !newTerm) {
      add(new LeaderEvent(nowMillis, LeaderEvent.Kind.NO_LEADER, currentTerm, 0, ""));
    }
    term = currentTerm;
    leader = currentLeader;
    return true;
  }

  private void add(LeaderEvent e) {
    if (events.size() == capacity) {
      events.removeFirst();
    }
    events.addLast(e);
  }

  /** The kept events, oldest first. */
  public List<LeaderEvent> events() {
    return new ArrayList<>(events);
  }

  /** How many events are kept at most. */
  public int capacity() {
    return capacity;
  }
}

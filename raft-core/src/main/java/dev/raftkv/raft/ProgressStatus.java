package dev.raftkv.raft;

/**
 * A leader's view of one member, for observers.
 *
 * @param match the highest index known replicated on the member
 * @param next the next index the leader will send
 * @param state how the leader is sending to it
 * @param inflight appends sent and not yet acknowledged
 * @param recentActive whether it was heard from in the current CheckQuorum window or the one before
 *     it (so a member that answers every heartbeat never shows inactive, even just after a window
 *     starts)
 * @param learner whether it is a non-voting member
 */
public record ProgressStatus(
    long match,
    long next,
    ProgressState state,
    int inflight,
    boolean recentActive,
    boolean learner) {}

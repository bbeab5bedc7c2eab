package dev.raftkv.server.dashboard;

/**
 * One change of leadership as this member saw it.
 *
 * @param timeMillis when it was seen (epoch milliseconds)
 * @param kind {@link Kind#ELECTION}: the term rose with no leader known yet; {@link Kind#LEADER}: a
 *     leader became known; {@link Kind#NO_LEADER}: the leader was lost within a term
 * @param term the term it happened in
 * @param leader the leader's member id ({@link Kind#LEADER} only, else 0)
 * @param leaderName the leader's name, or its id in hex if it has not published a name ({@link
 *     Kind#LEADER} only, else empty)
 */
public record LeaderEvent(long timeMillis, Kind kind, long term, long leader, String leaderName) {
  /** What happened. */
  public enum Kind {
    /** A new term began and no leader is known in it yet. */
    ELECTION,
    /** A leader became known. */
    LEADER,
    /** The leader was lost (this member no longer knows one) within the same term. */
    NO_LEADER
  }
}

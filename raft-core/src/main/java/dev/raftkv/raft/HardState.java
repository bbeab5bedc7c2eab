package dev.raftkv.raft;

/**
 * The state a node must persist before it sends any message that depends on it (Raft paper, Figure
 * 2, "persistent state on all servers"), plus the commit index, which is kept so a restarted node
 * need not relearn it.
 *
 * @param term the latest term this node has seen
 * @param vote the member this node voted for in {@code term}, or 0 for none
 * @param commit the highest log index known to be committed
 */
public record HardState(long term, long vote, long commit) {
  /** The state of a node that has never run. */
  public static final HardState EMPTY = new HardState(0, 0, 0);

  public HardState {
    if (term < 0 || vote < 0 || commit < 0) {
      throw new IllegalArgumentException(
          "hard state fields must not be negative: term="
              + term
              + " vote="
              + vote
              + " commit="
              + commit);
    }
  }
}

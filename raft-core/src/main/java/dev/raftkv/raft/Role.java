package dev.raftkv.raft;

/** The role a node plays in its current term. */
public enum Role {
  FOLLOWER,
  /** Probing with PreVote whether an election could be won, without changing term (thesis §9.6). */
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}

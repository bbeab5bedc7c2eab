package dev.raftkv.raft;

import java.util.Map;

/**
 * A snapshot of a node's state for observers (the seed harness's questions: role, term, leader).
 *
 * @param id this node's member id
 * @param role its role
 * @param term its current term
 * @param vote whom it voted for in {@code term}, 0 for nobody
 * @param leader the leader it knows of in {@code term}, 0 for none
 * @param commit its commit index
 * @param applied the last index handed to the application
 * @param lastIndex its last log index
 * @param conf the membership it follows
 * @param progress per member, the leader's view; empty unless this node leads
 * @param transferee the member leadership is being handed to, 0 if none
 */
public record Status(
    long id,
    Role role,
    long term,
    long vote,
    long leader,
    long commit,
    long applied,
    long lastIndex,
    ConfState conf,
    Map<Long, ProgressStatus> progress,
    long transferee) {

  /** Whether no leader is known ({@code leader == 0}). */
  public boolean noLeader() {
    return leader == 0;
  }
}

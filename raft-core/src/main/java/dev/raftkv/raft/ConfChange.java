package dev.raftkv.raft;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One single-server membership change (thesis §4.1). It is proposed as a {@link
 * EntryType#CONF_CHANGE} entry and takes effect on each member when that member applies it; the
 * leader accepts a new change only once the previous one is applied, and a new leader only after
 * its first entry is, so at most one change is ever in flight.
 *
 * @param type what changes
 * @param nodeId the member it concerns (positive)
 */
public record ConfChange(Type type, long nodeId) {

  /** The kinds of change. */
  public enum Type {
    /** Adds a voter, or promotes a learner to voter. */
    ADD_VOTER,
    /** Adds a non-voting learner; a voter cannot be demoted this way. */
    ADD_LEARNER,
    /** Removes a voter or learner. */
    REMOVE
  }

  public ConfChange {
    Objects.requireNonNull(type, "type");
    if (nodeId <= 0) {
      throw new IllegalArgumentException("node id must be positive, got " + nodeId);
    }
  }

  /** The 9-byte encoding stored in the entry: the type's ordinal, then the id. */
  public byte[] encode() {
    byte[] b = new byte[9];
    b[0] = (byte) type.ordinal();
    for (int i = 0; i < 8; i++) {
      b[1 + i] = (byte) (nodeId >>> (56 - 8 * i));
    }
    return b;
  }

  /**
   * Decodes an entry's data.
   *
   * @throws IllegalArgumentException if the data is not a valid encoding
   */
  public static ConfChange decode(byte[] data) {
    if (data.length != 9 || data[0] < 0 || data[0] >= Type.values().length) {
      throw new IllegalArgumentException(
          "not an encoded configuration change (" + data.length + " bytes)");
    }
    long id = 0;
    for (int i = 1; i < 9; i++) {
      id = (id << 8) | (data[i] & 0xff);
    }
    return new ConfChange(Type.values()[data[0]], id);
  }

  /**
   * The membership after this change. Adding an existing voter as a voter, or removing an absent
   * member, changes nothing; adding a voter as learner is refused.
   *
   * @throws IllegalArgumentException if the change is not allowed on {@code conf}
   */
  public ConfState applyTo(ConfState conf) {
    Set<Long> voters = new TreeSet<>(conf.voters());
    Set<Long> learners = new TreeSet<>(conf.learners());
    switch (type) {
      case ADD_VOTER -> {
        learners.remove(nodeId);
        voters.add(nodeId);
      }
      case ADD_LEARNER -> {
        if (voters.contains(nodeId)) {
          throw new IllegalArgumentException(
              "member " + nodeId + " is a voter and cannot become a learner");
        }
        learners.add(nodeId);
      }
      case REMOVE -> {
        voters.remove(nodeId);
        learners.remove(nodeId);
      }
    }
    return new ConfState(voters, learners);
  }

  @Override
  public String toString() {
    return type + " " + nodeId;
  }
}

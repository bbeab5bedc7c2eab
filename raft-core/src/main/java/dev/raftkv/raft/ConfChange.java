package dev.raftkv.raft;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One single-server membership change (thesis §4.1). It is proposed as a {@link
 * EntryType#CONF_CHANGE} entry and takes effect on each member when that member applies it; the
 * leader accepts a new change only once the previous one is applied, and a new leader only after
 * its first entry is, so at most one change is ever in flight.
 *
 * <p>The {@code context} is opaque to Raft (like etcd's {@code ConfChange.Context}): the
 * application carries what it needs to know about the member there (raftkv: its peer URLs). It
 * travels in the entry and takes no part in {@link #applyTo}.
 *
 * @param type what changes
 * @param nodeId the member it concerns (positive)
 * @param context application data about the member; empty when there is none (never null)
 */
public record ConfChange(Type type, long nodeId, byte[] context) {

  /** The kinds of change, each with the explicit code its encoding stores. */
  public enum Type {
    /** Adds a voter, or promotes a learner to voter. */
    ADD_VOTER(0),
    /** Adds a non-voting learner; a voter cannot be demoted this way. */
    ADD_LEARNER(1),
    /** Removes a voter or learner. */
    REMOVE(2);

    private final int code;

    Type(int code) {
      this.code = code;
    }

    /** The code stored in an encoded change; never changes once released. */
    public int code() {
      return code;
    }

    /** The type with that code, or null. */
    static Type ofCode(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  private static final byte[] NONE = new byte[0];

  /** The length of the encoding without a context (the original format, still decoded). */
  public static final int BASE_LENGTH = 9;

  public ConfChange {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(context, "context");
    if (nodeId <= 0) {
      throw new IllegalArgumentException("node id must be positive, got " + nodeId);
    }
    context = context.length == 0 ? NONE : context.clone();
  }

  /** A change without a context. */
  public ConfChange(Type type, long nodeId) {
    this(type, nodeId, NONE);
  }

  /** A copy of the context. */
  @Override
  public byte[] context() {
    return context.length == 0 ? NONE : context.clone();
  }

  /**
   * The encoding stored in the entry: the type's {@link Type#code()}, the id as 8 bytes big-endian,
   * then the context's bytes (none: the 9-byte form of earlier versions, which {@link #decode}
   * reads alike).
   */
  public byte[] encode() {
    byte[] b = new byte[BASE_LENGTH + context.length];
    b[0] = (byte) type.code();
    for (int i = 0; i < 8; i++) {
      b[1 + i] = (byte) (nodeId >>> (56 - 8 * i));
    }
    System.arraycopy(context, 0, b, BASE_LENGTH, context.length);
    return b;
  }

  /**
   * Decodes an entry's data: the 9-byte form, or the 9 bytes followed by a context.
   *
   * @throws IllegalArgumentException if the data is not a valid encoding
   */
  public static ConfChange decode(byte[] data) {
    Type type = data.length < BASE_LENGTH ? null : Type.ofCode(data[0]);
    if (type == null) {
      throw new IllegalArgumentException(
          "not an encoded configuration change (" + data.length + " bytes)");
    }
    long id = 0;
    for (int i = 1; i < BASE_LENGTH; i++) {
      id = (id << 8) | (data[i] & 0xff);
    }
    return new ConfChange(type, id, Arrays.copyOfRange(data, BASE_LENGTH, data.length));
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
  public boolean equals(Object o) {
    return o instanceof ConfChange c
        && c.type == type
        && c.nodeId == nodeId
        && Arrays.equals(c.context, context);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, nodeId, Arrays.hashCode(context));
  }

  @Override
  public String toString() {
    return context.length == 0
        ? type + " " + nodeId
        : type + " " + nodeId + " (" + context.length + "-byte context)";
  }
}

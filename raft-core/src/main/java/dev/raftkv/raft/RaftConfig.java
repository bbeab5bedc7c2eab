package dev.raftkv.raft;

/**
 * How a {@link RaftNode} behaves. Times are in ticks: the caller decides how long a tick is (the
 * server uses the heartbeat interval).
 *
 * @param id this node's member id (positive)
 * @param electionTickMin the shortest election timeout; also the CheckQuorum window and the leader
 *     lease during which votes for others are refused
 * @param electionTickMax the randomized election timeout is drawn from {@code [electionTickMin,
 *     electionTickMax)}
 * @param heartbeatTick ticks between a leader's heartbeats; must be below {@code electionTickMin}
 * @param preVote whether to probe with PreVote before starting an election (thesis §9.6)
 * @param checkQuorum whether a leader steps down when it has not heard from a quorum within an
 *     election timeout (thesis §6.2)
 * @param maxInflight appends in flight to one follower before the leader waits (pipelining)
 * @param maxMessageBytes the byte budget of the entries in one append (batching); one entry is
 *     always sent even if larger
 * @param maxInflightBytes bytes in flight to one follower before the leader waits
 * @param maxApplyBytes the byte budget of committed entries handed out in one {@link Ready}
 * @param snapshotChunkBytes the size of the chunks a snapshot is sent in
 * @param snapshotTrailingEntries entries kept below a snapshot when the log is compacted, so a
 *     follower that is only a little behind still gets entries rather than the snapshot
 * @param leaseRead whether a leader answers reads from its lease without a heartbeat round
 *     (requires CheckQuorum; off by default)
 * @param leaseDriftTicks how much shorter than {@code electionTickMin} the lease is, to cover
 *     clocks that run at different rates
 */
public record RaftConfig(
    long id,
    int electionTickMin,
    int electionTickMax,
    int heartbeatTick,
    boolean preVote,
    boolean checkQuorum,
    int maxInflight,
    long maxMessageBytes,
    long maxInflightBytes,
    long maxApplyBytes,
    int snapshotChunkBytes,
    long snapshotTrailingEntries,
    boolean leaseRead,
    int leaseDriftTicks) {

  public RaftConfig {
    if (id <= 0) {
      throw new IllegalArgumentException("id must be positive, got " + id);
    }
    if (heartbeatTick <= 0) {
      throw new IllegalArgumentException("heartbeatTick must be positive, got " + heartbeatTick);
    }
    if (electionTickMin <= heartbeatTick) {
      throw new IllegalArgumentException(
          "electionTickMin ("
              + electionTickMin
              + ") must be greater than heartbeatTick ("
              + heartbeatTick
              + ")");
    }
    if (electionTickMax <= electionTickMin) {
      throw new IllegalArgumentException(
          "electionTickMax ("
              + electionTickMax
              + ") must be greater than electionTickMin ("
              + electionTickMin
              + ")");
    }
    if (maxInflight <= 0
        || maxMessageBytes <= 0
        || maxInflightBytes <= 0
        || maxApplyBytes <= 0
        || snapshotChunkBytes <= 0) {
      throw new IllegalArgumentException("flow-control limits must be positive");
    }
    if (snapshotTrailingEntries < 0) {
      throw new IllegalArgumentException("snapshotTrailingEntries must not be negative");
    }
    if (leaseRead && !checkQuorum) {
      throw new IllegalArgumentException("leaseRead requires checkQuorum");
    }
    if (leaseDriftTicks < 0 || leaseDriftTicks >= electionTickMin) {
      throw new IllegalArgumentException(
          "leaseDriftTicks must be in [0, electionTickMin), got " + leaseDriftTicks);
    }
  }

  /**
   * The defaults: election timeout 10–20 ticks, heartbeat every tick, PreVote and CheckQuorum on,
   * 256 appends or 32 MiB in flight per follower, 1 MiB per append, 64 MiB per apply batch,
   * snapshots sent in 1 MiB chunks with 5,000 entries kept below them, lease reads off (with a
   * drift bound of 2 ticks when turned on).
   */
  public static RaftConfig defaults(long id) {
    return new RaftConfig(
        id, 10, 20, 1, true, true, 256, 1 << 20, 32L << 20, 64L << 20, 1 << 20, 5000, false, 2);
  }

  /** This config with another member id. */
  public RaftConfig withId(long newId) {
    Builder b = toBuilder();
    b.id = newId;
    return b.build();
  }

  /** This config with another election timeout range. */
  public RaftConfig withElectionTicks(int min, int max) {
    Builder b = toBuilder();
    b.electionTickMin = min;
    b.electionTickMax = max;
    return b.build();
  }

  /** This config with PreVote and CheckQuorum set as given (lease reads off if CheckQuorum is). */
  public RaftConfig withPreVoteAndCheckQuorum(boolean preVote, boolean checkQuorum) {
    Builder b = toBuilder();
    b.preVote = preVote;
    b.checkQuorum = checkQuorum;
    b.leaseRead = leaseRead && checkQuorum;
    return b.build();
  }

  /** This config with other flow-control limits. */
  public RaftConfig withFlowControl(int maxInflight, long maxMessageBytes) {
    Builder b = toBuilder();
    b.maxInflight = maxInflight;
    b.maxMessageBytes = maxMessageBytes;
    return b.build();
  }

  /** This config with another limit on the bytes in flight to one follower. */
  public RaftConfig withMaxInflightBytes(long maxInflightBytes) {
    Builder b = toBuilder();
    b.maxInflightBytes = maxInflightBytes;
    return b.build();
  }

  /** This config with other snapshot transfer settings. */
  public RaftConfig withSnapshots(int chunkBytes, long trailingEntries) {
    Builder b = toBuilder();
    b.snapshotChunkBytes = chunkBytes;
    b.snapshotTrailingEntries = trailingEntries;
    return b.build();
  }

  /** This config with lease reads turned on or off. */
  public RaftConfig withLeaseRead(boolean on, int driftTicks) {
    Builder b = toBuilder();
    b.leaseRead = on;
    b.leaseDriftTicks = driftTicks;
    return b.build();
  }

  private Builder toBuilder() {
    return new Builder(this);
  }

  /** A mutable copy of a config, so each {@code with} method names only what it changes. */
  private static final class Builder {
    long id;
    int electionTickMin;
    int electionTickMax;
    int heartbeatTick;
    boolean preVote;
    boolean checkQuorum;
    int maxInflight;
    long maxMessageBytes;
    long maxInflightBytes;
    long maxApplyBytes;
    int snapshotChunkBytes;
    long snapshotTrailingEntries;
    boolean leaseRead;
    int leaseDriftTicks;

    Builder(RaftConfig c) {
      id = c.id;
      electionTickMin = c.electionTickMin;
      electionTickMax = c.electionTickMax;
      heartbeatTick = c.heartbeatTick;
      preVote = c.preVote;
      checkQuorum = c.checkQuorum;
      maxInflight = c.maxInflight;
      maxMessageBytes = c.maxMessageBytes;
      maxInflightBytes = c.maxInflightBytes;
      maxApplyBytes = c.maxApplyBytes;
      snapshotChunkBytes = c.snapshotChunkBytes;
      snapshotTrailingEntries = c.snapshotTrailingEntries;
      leaseRead = c.leaseRead;
      leaseDriftTicks = c.leaseDriftTicks;
    }

    RaftConfig build() {
      return new RaftConfig(
          id,
          electionTickMin,
          electionTickMax,
          heartbeatTick,
          preVote,
          checkQuorum,
          maxInflight,
          maxMessageBytes,
          maxInflightBytes,
          maxApplyBytes,
          snapshotChunkBytes,
          snapshotTrailingEntries,
          leaseRead,
          leaseDriftTicks);
    }
  }
}

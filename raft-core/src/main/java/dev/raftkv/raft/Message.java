package dev.raftkv.raft;

import java.util.List;

/**
 * The messages Raft nodes exchange. Each is a record naming its sender, its recipient and the
 * sender's term; a term of 0 marks a message that never crosses the network between terms (a
 * proposal being forwarded).
 *
 * <p>Names follow the paper: RequestVote (with the PreVote variant of the thesis, §9.6),
 * AppendEntries, and heartbeats, which are AppendEntries without entries split off so they can be
 * small and carry a read context.
 */
public sealed interface Message
    permits Message.VoteRequest,
        Message.VoteResponse,
        Message.AppendRequest,
        Message.AppendResponse,
        Message.Heartbeat,
        Message.HeartbeatResponse,
        Message.Propose,
        Message.TimeoutNow,
        Message.ReadIndexRequest,
        Message.ReadIndexResponse,
        Message.InstallSnapshot,
        Message.SnapshotResponse {

  /** The sender's member id. */
  long from();

  /** The recipient's member id. */
  long to();

  /** The sender's term (for a PreVote request: the term it would campaign in). */
  long term();

  /**
   * RequestVote, or a PreVote probe when {@code preVote} is set. A PreVote carries the term the
   * sender would move to, but neither sender nor receiver changes term or vote because of it.
   *
   * @param lastLogIndex index of the candidate's last entry
   * @param lastLogTerm term of the candidate's last entry
   * @param preVote whether this is a PreVote probe
   * @param transfer whether a leadership transfer asked for this election, which lets it through
   *     the receivers' leader lease
   */
  record VoteRequest(
      long from,
      long to,
      long term,
      long lastLogIndex,
      long lastLogTerm,
      boolean preVote,
      boolean transfer)
      implements Message {}

  /**
   * The answer to a {@link VoteRequest}. A granted vote carries the request's term.
   *
   * @param preVote whether it answers a PreVote probe
   * @param granted whether the vote is given
   */
  record VoteResponse(long from, long to, long term, boolean preVote, boolean granted)
      implements Message {}

  /**
   * AppendEntries: entries following {@code (prevIndex, prevTerm)} and the leader's commit index.
   */
  record AppendRequest(
      long from,
      long to,
      long term,
      long prevIndex,
      long prevTerm,
      List<Entry> entries,
      long commit)
      implements Message {
    public AppendRequest {
      entries = List.copyOf(entries);
    }
  }

  /**
   * The answer to an {@link AppendRequest}.
   *
   * <p>On success {@code index} is the last index the follower now holds that matches the leader.
   * On rejection {@code index} is the rejected {@code prevIndex}, and ({@code hintIndex}, {@code
   * hintTerm}) is the follower's largest entry at or below it whose term is at most the leader's
   * {@code prevTerm}: the leader skips back to there at once, so a divergent follower is repaired
   * in one round per term rather than one per entry.
   */
  record AppendResponse(
      long from, long to, long term, long index, boolean reject, long hintIndex, long hintTerm)
      implements Message {}

  /**
   * The leader's heartbeat. {@code commit} is capped at what the follower is known to hold, so a
   * follower may apply it without checking its log; {@code context} identifies a read-index round
   * (0 for none).
   */
  record Heartbeat(long from, long to, long term, long commit, long context) implements Message {}

  /** The answer to a {@link Heartbeat}, echoing its context. */
  record HeartbeatResponse(long from, long to, long term, long context) implements Message {}

  /**
   * Proposals a follower forwards to the leader to be appended. The entries carry type and data
   * only; their term and index are 0 until the leader assigns them.
   */
  record Propose(long from, long to, long term, List<Entry> entries) implements Message {
    public Propose {
      entries = List.copyOf(entries);
    }
  }

  /**
   * Leadership transfer (thesis §3.10): the leader tells an up-to-date follower to start an
   * election at once, skipping PreVote and the others' leader lease.
   */
  record TimeoutNow(long from, long to, long term) implements Message {}

  /**
   * A follower asks the leader for a read index on behalf of {@code requestId}. Like {@link
   * Propose}, it carries term 0.
   */
  record ReadIndexRequest(long from, long to, long term, long requestId) implements Message {}

  /** The leader's answer to a {@link ReadIndexRequest}: the read may be served at {@code index}. */
  record ReadIndexResponse(long from, long to, long term, long requestId, long index)
      implements Message {}

  /**
   * One chunk of a snapshot, sent to a follower whose next entry the leader has compacted away.
   * Chunks go in order; {@code offset} is where {@code data} starts in the snapshot's data.
   *
   * @param metadata the snapshot's position and membership
   * @param offset the position of this chunk in the snapshot data
   * @param data the chunk
   * @param last whether this chunk ends the snapshot
   */
  record InstallSnapshot(
      long from,
      long to,
      long term,
      SnapshotMetadata metadata,
      long offset,
      byte[] data,
      boolean last)
      implements Message {}

  /**
   * The answer to an {@link InstallSnapshot} chunk: the follower holds the snapshot at {@code
   * snapshotIndex} up to {@code nextOffset} (the leader resumes there, also after a lost chunk or a
   * leader change), or the whole of it when {@code done}.
   */
  record SnapshotResponse(
      long from, long to, long term, long snapshotIndex, long nextOffset, boolean done)
      implements Message {}
}

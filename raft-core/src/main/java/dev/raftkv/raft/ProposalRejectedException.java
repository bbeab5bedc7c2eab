package dev.raftkv.raft;

/**
 * A proposal the node could not accept. Nothing was appended; the caller may retry later (after a
 * leader is known, or after a transfer ends), and {@link #reason()} says which.
 */
public final class ProposalRejectedException extends RuntimeException {

  /** Why a proposal was refused. */
  public enum Reason {
    /** No leader is known, so the proposal cannot be forwarded (maps to "no leader"). */
    NO_LEADER,
    /** The leader is handing leadership to another member and accepts nothing until done. */
    LEADERSHIP_TRANSFER,
    /** This node is not (or no longer) a member of the cluster. */
    NOT_A_MEMBER,
    /** A membership change is already in flight; only one may be pending at a time. */
    CONF_CHANGE_PENDING
  }

  private final Reason reason;
  private final long leaderHint;

  public ProposalRejectedException(Reason reason, long leaderHint, String message) {
    super(message);
    this.reason = reason;
    this.leaderHint = leaderHint;
  }

  public Reason reason() {
    return reason;
  }

  /** The leader this node knows of, or 0 if none. */
  public long leaderHint() {
    return leaderHint;
  }
}

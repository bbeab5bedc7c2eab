package dev.raftkv.transport;

import static dev.raftkv.transport.Ids.hex;

/**
 * Whether a listening member takes a new peer connection: the verdict on the opener's {@link
 * Handshake.Hello}, given what the listener knows ({@link Facts}).
 *
 * <p>The rules, first match wins: a sender of another cluster is refused; then a member marked
 * removed (etcd answers 410 Gone); then one claiming the listener's own id; then a connection meant
 * for another member (a stale address map); then anything while the listener is detached.
 * Everything else is accepted, including a member of this cluster that the peer map does not name
 * yet: a member whose view of the membership is behind must still take the log from a leader added
 * after it (docs/chaos.md, membership bug 2).
 *
 * <p>Pure: no I/O, no Netty, no clock and no shared state, so any thread may call it; it neither
 * blocks nor throws. What a verdict leads to (the reply on the wire, a log line, remembering an
 * address) is up to the caller.
 */
final class Admission {

  private Admission() {}

  /**
   * What the listener knows when a Hello arrives.
   *
   * @param clusterId the listener's cluster
   * @param memberId the listener's member id
   * @param detached whether the listener is detached from its peers
   * @param senderRemoved whether the Hello's sender is marked removed from the cluster
   * @param senderListed whether the listener's peer map names the Hello's sender
   */
  record Facts(
      long clusterId,
      long memberId,
      boolean detached,
      boolean senderRemoved,
      boolean senderListed) {}

  /** Why a connection is accepted or refused, and the handshake status that answers it. */
  enum Reason {
    /** Accepted: a member the peer map names. */
    LISTED(Handshake.Status.ACCEPTED),
    /**
     * Accepted: a member of this cluster, not removed, that the peer map does not name yet; the
     * listener answers it at the address its Hello gives.
     */
    UNLISTED(Handshake.Status.ACCEPTED),
    /** Refused: the sender belongs to another cluster. */
    WRONG_CLUSTER(Handshake.Status.WRONG_CLUSTER),
    /** Refused: the sender was removed from the cluster and should stop. */
    REMOVED(Handshake.Status.REMOVED),
    /** Refused: the sender claims the listener's own member id. */
    SELF(Handshake.Status.UNKNOWN_MEMBER),
    /** Refused: the sender meant to reach another member. */
    WRONG_MEMBER(Handshake.Status.WRONG_MEMBER),
    /** Refused: the listener is detached and takes no peer traffic until attached. */
    DETACHED(Handshake.Status.DETACHED);

    final Handshake.Status status;

    Reason(Handshake.Status status) {
      this.status = status;
    }
  }

  /**
   * The decision on one Hello.
   *
   * @param reason why
   * @param reply what the listener answers: {@code reason}'s status and, when refused, an
   *     explanation for the refused member's log (empty when accepted)
   */
  record Verdict(Reason reason, Handshake.Reply reply) {
    boolean accepted() {
      return reply.accepted();
    }
  }

  private static final Handshake.Reply ACCEPTED =
      new Handshake.Reply(Handshake.Status.ACCEPTED, "");

  /** The verdict on {@code hello}, received by a listener that knows {@code facts}. */
  static Verdict judge(Handshake.Hello hello, Facts facts) {
    if (hello.clusterId() != facts.clusterId()) {
      return refuse(
          Reason.WRONG_CLUSTER,
          "member "
              + hex(facts.memberId())
              + " is in cluster "
              + hex(facts.clusterId())
              + ", not "
              + hex(hello.clusterId()));
    }
    if (facts.senderRemoved()) {
      return refuse(
          Reason.REMOVED,
          "member " + hex(hello.from()) + " was removed from cluster " + hex(facts.clusterId()));
    }
    if (hello.from() == facts.memberId()) {
      return refuse(Reason.SELF, "member " + hex(facts.memberId()) + " is this member");
    }
    if (hello.to() != facts.memberId()) {
      return refuse(
          Reason.WRONG_MEMBER,
          "this address is member " + hex(facts.memberId()) + ", not member " + hex(hello.to()));
    }
    if (facts.detached()) {
      return refuse(Reason.DETACHED, "member " + hex(facts.memberId()) + " is detached");
    }
    return new Verdict(facts.senderListed() ? Reason.LISTED : Reason.UNLISTED, ACCEPTED);
  }

  private static Verdict refuse(Reason reason, String detail) {
    return new Verdict(reason, new Handshake.Reply(reason.status, detail));
  }
}

package dev.raftkv.transport;

import java.net.InetSocketAddress;

/**
 * The first exchange on every peer connection. The connecting member sends a {@link Hello}; the
 * accepting member answers with a {@link Reply} and, unless it accepted, closes the connection.
 * Only after an accepting reply does the connecting member send Raft messages, and only in that
 * direction: each member sends on connections it opened itself.
 */
final class Handshake {

  /** "RKV1": lets a member tell a raftkv peer from anything else that connects to its port. */
  static final int MAGIC = 0x524B5631;

  private Handshake() {}

  /**
   * The connecting member's introduction.
   *
   * <p>On the wire {@code address} follows the three ids as an optional trailing field (host
   * string, port), so a Hello without it, as builds before it sent, still decodes. A listener that
   * does not know the sender yet answers it at this address (see {@link TcpTransport}).
   *
   * @param clusterId the cluster the sender belongs to
   * @param from the sender's member id
   * @param to the member id the sender believes it is connecting to
   * @param address where the sender listens for peers (unresolved; a wildcard host means "the
   *     address this connection comes from"), or null if it did not say
   */
  record Hello(long clusterId, long from, long to, InetSocketAddress address) {

    /** A Hello that does not say where the sender listens. */
    Hello(long clusterId, long from, long to) {
      this(clusterId, from, to, null);
    }
  }

  /** The answer to a {@link Hello}, with its explicit wire code (never the ordinal). */
  enum Status {
    ACCEPTED(0),
    /** The sender belongs to another cluster. */
    WRONG_CLUSTER(1),
    /**
     * The sender claims this member's own id. (Until the fix of docs/chaos.md membership bug 2 it
     * also answered any member id missing from the peer map.)
     */
    UNKNOWN_MEMBER(2),
    /** The sender meant another member (its address map is stale). */
    WRONG_MEMBER(3),
    /** This member is detached and takes no peer traffic until attached. */
    DETACHED(4),
    /** The sender was removed from the cluster; it should stop (etcd answers 410 Gone). */
    REMOVED(5);

    private final int code;

    Status(int code) {
      this.code = code;
    }

    /** The status's code on the wire; never changes once released. */
    int code() {
      return code;
    }

    static Status of(int code) {
      for (Status s : values()) {
        if (s.code == code) {
          return s;
        }
      }
      throw new CodecException(
          CodecException.Reason.MALFORMED, "unknown handshake status code " + code);
    }
  }

  /**
   * The accepting member's answer.
   *
   * @param status accepted, or why not
   * @param detail a human-readable explanation for the refused member's log
   */
  record Reply(Status status, String detail) {
    boolean accepted() {
      return status == Status.ACCEPTED;
    }
  }
}

package dev.raftkv.transport;

/**
 * A snapshot of a transport's counters since it was constructed.
 *
 * @param sent messages handed to the network (written to a connection, or routed in memory)
 * @param received messages delivered to the handler
 * @param droppedQueueFull outbound messages dropped because the recipient's queue was full
 * @param droppedDetached messages dropped, either way, because this node was detached
 * @param droppedTooLarge outbound messages dropped because they do not fit in one frame
 * @param droppedUnreachable messages dropped because the recipient was unknown, not running, cut
 *     off by a blocked link, or the transport was not running, or they were misaddressed
 */
public record TransportStats(
    long sent,
    long received,
    long droppedQueueFull,
    long droppedDetached,
    long droppedTooLarge,
    long droppedUnreachable) {

  /** All drops added up. */
  public long dropped() {
    return droppedQueueFull + droppedDetached + droppedTooLarge + droppedUnreachable;
  }
}

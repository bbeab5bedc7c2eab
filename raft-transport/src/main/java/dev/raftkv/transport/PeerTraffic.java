package dev.raftkv.transport;

/**
 * The bytes exchanged with one peer since the transport started: frames written to it and frames
 * read from it (length prefix included), handshakes excepted.
 *
 * @param sentBytes bytes of the frames written to the peer
 * @param receivedBytes bytes of the message frames read from it
 */
public record PeerTraffic(long sentBytes, long receivedBytes) {}

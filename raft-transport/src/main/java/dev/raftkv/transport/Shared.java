package dev.raftkv.transport;

/**
 * The parts of one {@link TcpTransport} that its connections share, built once by the transport. An
 * immutable record of thread-safe (or immutable) parts, so connections on any event loop may use
 * them; nothing here blocks or throws.
 *
 * @param config the transport's settings
 * @param codec encodes and decodes frames
 * @param counters what was sent, received and dropped
 * @param log the log-once lines of all connections
 * @param directory who the peers are and where they listen
 * @param link whether traffic flows at all, and with which peers
 */
record Shared(
    TcpTransportConfig config,
    MessageCodec codec,
    Counters counters,
    LogOnce log,
    PeerDirectory directory,
    LinkState link) {}

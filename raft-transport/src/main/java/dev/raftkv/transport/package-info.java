/**
 * Carrying Raft messages between members.
 *
 * <ul>
 *   <li>{@link dev.raftkv.transport.Transport}: the contract the node loop uses (non-blocking send
 *       that drops rather than throws, inbound handler, detach/attach, counters).
 *   <li>{@link dev.raftkv.transport.TcpTransport}: the real one, TCP on Netty, with a cluster-id
 *       handshake, bounded per-peer queues, batched writes, reconnect with backoff and a frame size
 *       limit; configured by {@link dev.raftkv.transport.TcpTransportConfig}.
 *   <li>{@link dev.raftkv.transport.MessageCodec}: the versioned, CRC32C-checked binary frame of
 *       every message type; failures are {@link dev.raftkv.transport.CodecException}s.
 *   <li>{@link dev.raftkv.transport.InMemoryNetwork} and {@link
 *       dev.raftkv.transport.InMemoryTransport}: the same contract in one process, for tests.
 * </ul>
 *
 * <p>See {@code docs/raft-transport.md} for the wire format and the connection rules.
 */
package dev.raftkv.transport;

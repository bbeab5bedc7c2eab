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
 * </ul>
 *
 * <p>{@code InMemoryNetwork} and {@code InMemoryTransport}, the same contract in one process, are
 * test code: they live in this module's test sources and ship in its test-jar ({@code
 * <type>test-jar</type>}, {@code <scope>test</scope>}) for other modules' tests. {@code
 * LoopbackPorts}, which picks ports for local clusters, is in {@code testkit}.
 *
 * <p>Inside, {@code TcpTransport} is a façade over package-private parts with one job each:
 *
 * <ul>
 *   <li>{@code PeerDirectory}: who the peers are and where they listen (the peer map, addresses
 *       learned from handshakes, members marked removed).
 *   <li>{@code Admission}: the pure rules that accept or refuse a handshake ({@code Handshake}),
 *       giving a verdict with its reason.
 *   <li>{@code PeerConnection} (with {@code PeerQueue} and {@code OutboundHandler}), kept by {@code
 *       PeerConnections}: the outbound connection to one peer, its bounded queue, batched writes,
 *       and reconnect with backoff.
 *   <li>{@code InboundHandler} (with {@code InboundChannels} and {@code Delivery}): an accepted
 *       connection, from handshake to handing messages to the application.
 *   <li>{@code LinkState}: lifecycle, detach and blocked peers; {@code Endpoint}: the event loops
 *       and the listening socket; {@code FrameDecoder}: frames off the byte stream.
 *   <li>{@code LogOnce}: log lines that repeat per peer are logged once; {@code RemovedNotice}: the
 *       "this member was removed" listener; {@code Shared}: the parts connections share.
 * </ul>
 *
 * <p>See {@code docs/raft-transport.md} for the wire format and the connection rules.
 */
package dev.raftkv.transport;

package dev.raftkv.raft;

/**
 * A linearizable read that may now be served: once the application has applied up to {@code index},
 * reading its state machine reflects every write acknowledged before the read was asked for (thesis
 * §6.4).
 *
 * @param requestId the id the caller passed to {@link RaftNode#readIndex(long)}
 * @param index the log index the state machine must reach first
 */
public record ReadState(long requestId, long index) {}

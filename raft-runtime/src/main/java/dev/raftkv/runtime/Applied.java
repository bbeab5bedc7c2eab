package dev.raftkv.runtime;

/**
 * What a proposal's future completes with: the index of its entry and what the state machine
 * returned for it ({@link StateMachine#apply}), on the member that proposed it.
 *
 * @param index the entry's index in the Raft log
 * @param result the state machine's result for the entry (null if it returns none)
 */
public record Applied(long index, Object result) {}

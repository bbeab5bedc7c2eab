package dev.raftkv.kv;

/**
 * The answer to a member op: the store revision, which member ops never change.
 *
 * @param revision the current store revision
 */
public record MemberResponse(long revision) implements Response {}

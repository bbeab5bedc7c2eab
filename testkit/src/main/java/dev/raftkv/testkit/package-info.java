/**
 * Test tools that ship with raftkv because {@code raftkv simulate}, {@code check} and {@code chaos}
 * use them: the seeded simulator ({@code sim}) and the linearizability checker with its history
 * format ({@code lin}). Messages and states print as the core's {@link dev.raftkv.raft.Describe}
 * renders them.
 */
package dev.raftkv.testkit;

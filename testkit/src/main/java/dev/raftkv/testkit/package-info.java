/**
 * Test tools that ship with raftkv because {@code raftkv simulate}, {@code check} and {@code chaos}
 * use them: the seeded simulator ({@code sim}) and the linearizability checker with its history
 * format ({@code lin}). Messages and states print as the core's {@link dev.raftkv.raft.Describe}
 * renders them. {@link dev.raftkv.testkit.LoopbackPorts} picks the ports of local clusters: those
 * {@code raftkv chaos} starts and those of other modules' tests (a test dependency of
 * raft-transport, replicator, server and compat).
 */
package dev.raftkv.testkit;

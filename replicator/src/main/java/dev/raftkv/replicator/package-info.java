/**
 * Seed document 000's leader-election "Replicator" ({@code docs/replicator.md}): {@link
 * dev.raftkv.replicator.Replicator} is a small facade ({@code Propose}, {@code Detach}, {@code
 * Attach}, leader and term queries) over a {@link dev.raftkv.runtime.RaftRuntime} and a {@link
 * dev.raftkv.transport.TcpTransport}, configured by the seed's JSON file ({@link
 * dev.raftkv.replicator.SeedConfig}, read with Jackson through {@link
 * dev.raftkv.replicator.SeedJson}).
 */
package dev.raftkv.replicator;

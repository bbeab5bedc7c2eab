/**
 * The {@code raftkv} command (picocli; {@code bin/raftkv}): {@code server} (one member), {@code
 * cluster start|stop} (a local cluster of processes), the client verbs {@code put|get|del} and
 * {@code status}, {@code admin} (detach, attach, blocks), {@code bench} (the load generator of the
 * benchmarks), {@code simulate} (the seeded simulator), {@code check} (the linearizability checker
 * on a recorded history) and {@code chaos} (a fault-injecting run of real processes, in {@link
 * dev.raftkv.cli.chaos}). {@link dev.raftkv.cli.Main} is the entry point.
 */
package dev.raftkv.cli;

/**
 * {@code raftkv chaos} ({@code docs/chaos.md}): five real server processes ({@code LocalCluster}),
 * clients that record a history through the etcd API, a seeded nemesis that injects one fault at a
 * time (kill, pause, isolate, partitions, membership changes), then the checks: linearizability of
 * the history, every acknowledged write present, equal {@code hashKV} on every member ({@code
 * ChaosReport}).
 */
package dev.raftkv.cli.chaos;

/**
 * The linearizability checker for KV histories (issue 7).
 *
 * <p>A history is a list of {@link dev.raftkv.testkit.lin.Op}s, recorded by {@link
 * dev.raftkv.testkit.lin.HistoryRecorder} and stored as JSON lines by {@link
 * dev.raftkv.testkit.lin.HistoryJson} ({@code docs/history-format.md}). {@link
 * dev.raftkv.testkit.lin.LinearizabilityChecker#check} decomposes it per key and searches each key
 * with Wing and Gong's algorithm and Lowe's memoisation (as porcupine does), under the etcd model
 * of {@link dev.raftkv.testkit.lin.KvModel}, within a time budget; {@link
 * dev.raftkv.testkit.lin.CheckResult#describe()} says what it found.
 */
package dev.raftkv.testkit.lin;

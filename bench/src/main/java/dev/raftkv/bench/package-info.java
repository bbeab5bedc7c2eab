/**
 * Benchmarks, not tests ({@code docs/benchmarks.md}, {@code docs/performance.md}): JMH benchmarks
 * of the core ({@code RaftCoreBenchmark}), the codecs ({@code CodecBenchmark}) and the apply path
 * ({@code KvApplyBenchmark}); a WAL against a raw write+fdatasync loop ({@code WalBench}); and
 * {@code BenchReport}, which turns the results of {@code bench/scripts/compare-etcd.sh} (raftkv and
 * a real etcd side by side) into {@code docs/benchmarks.md} and its chart.
 */
package dev.raftkv.bench;

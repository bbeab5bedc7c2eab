/**
 * The member's Prometheus metrics under etcd's names and types, so that etcd's dashboards and
 * alerts work unchanged: {@link dev.raftkv.server.metrics.ServerMetrics} holds them and writes the
 * text format served on {@code /metrics}.
 */
package dev.raftkv.server.metrics;

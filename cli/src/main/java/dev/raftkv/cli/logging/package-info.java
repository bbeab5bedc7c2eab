/**
 * The raftkv command's logging: Logback behind SLF4J, one line per event (text or JSON), with
 * raftkv's own {@code System.Logger} calls and gRPC's {@code java.util.logging} routed to it.
 */
package dev.raftkv.cli.logging;

/**
 * Scenario scripts for the Raft core ({@code raft-core/src/test/resources/scenarios/*.txt}): a text
 * of commands (tick, campaign, propose, deliver, partition, ...) with the expected output under
 * each. {@code ScenarioScript} parses and runs one against {@code ScenarioEnv} (nodes on {@code
 * ScenarioStorage}), comparing or rewriting the expected output.
 */
package dev.raftkv.raft.scenario;

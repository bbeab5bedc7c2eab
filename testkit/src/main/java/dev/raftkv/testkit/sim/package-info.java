/**
 * The seeded simulator ({@code docs/simulator.md}). {@code DriverSimulation} runs the production
 * node loop ({@link dev.raftkv.runtime.NodeDriver}) of every member on virtual time, with a
 * simulated disk that loses unsynced writes on a crash ({@code SimLogStore}) and a network that
 * drops, duplicates, delays and partitions ({@code SimNetwork}); {@code Simulation} runs the core
 * loop alone. Random fault schedules ({@code RandomSchedule}, {@code DriverSchedule}) are checked
 * by the Raft safety invariants after every event ({@code Invariants}, {@code DriverChecks}) and
 * the acknowledgement rules ({@code Acknowledgements}); a failure names its seed.
 */
package dev.raftkv.testkit.sim;

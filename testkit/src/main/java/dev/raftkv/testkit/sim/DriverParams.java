package dev.raftkv.testkit.sim;

import dev.raftkv.raft.RaftConfig;

/**
 * The knobs of a {@link DriverSimulation}, which a {@link DriverSchedule} draws from its seed.
 *
 * @param snapshotEvery the driver's snapshot interval, in applied entries
 * @param maxApplyDelayMs the longest the apply thread lags behind each task handed to it
 * @param maxSnapshotWriteMs the longest the snapshot thread takes to start each write
 * @param maxSyncMs the longest an fsync keeps the node loop busy (0: none)
 * @param machineFlushChance the chance that the state machine flushes after an apply batch
 * @param snapshotReferences whether the machine's snapshots are references to checkpoints it keeps
 *     (as the KV store's are), turned into bytes only for a follower
 * @param powerFailureChance the chance that a sync is a crash in the middle of it
 * @param restartAfterMaxTicks a crashed member restarts by itself within this many ticks (0: only
 *     when the schedule restarts it)
 * @param brokenFsync a disk whose fsync writes nothing, for the self-test of the checks only
 */
record DriverParams(
    RaftConfig config,
    SimNetwork network,
    long snapshotEvery,
    int maxApplyDelayMs,
    int maxSnapshotWriteMs,
    int maxSyncMs,
    double machineFlushChance,
    boolean snapshotReferences,
    double powerFailureChance,
    int restartAfterMaxTicks,
    boolean brokenFsync) {

  DriverParams withBrokenFsync() {
    return new DriverParams(
        config,
        network,
        snapshotEvery,
        maxApplyDelayMs,
        maxSnapshotWriteMs,
        maxSyncMs,
        machineFlushChance,
        snapshotReferences,
        powerFailureChance,
        restartAfterMaxTicks,
        true);
  }
}

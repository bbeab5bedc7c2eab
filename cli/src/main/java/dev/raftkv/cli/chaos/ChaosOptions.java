package dev.raftkv.cli.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * What one {@code raftkv chaos} run does.
 *
 * @param duration how long clients and the nemesis run (healing and checking come after)
 * @param seed seeds the nemesis schedule and every client's choices
 * @param clients number of concurrent clients
 * @param keys size of the key set ({@code k0}..)
 * @param serializableReads whether gets ask for serializable (local, possibly stale) reads
 * @param opTimeout a client's deadline per request; a request past it has outcome unknown
 * @param faults the fault kinds the nemesis may inject
 * @param dataDir where the members keep their data and logs
 * @param history where the history file (JSON lines) is written
 * @param checkBudget how long the linearizability checker may search before answering unknown
 */
public record ChaosOptions(
    Duration duration,
    long seed,
    int clients,
    int keys,
    boolean serializableReads,
    Duration opTimeout,
    Set<FaultKind> faults,
    Path dataDir,
    Path history,
    Duration checkBudget) {

  public ChaosOptions {
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(opTimeout, "opTimeout");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(checkBudget, "checkBudget");
    faults = Set.copyOf(faults);
    if (clients < 1 || keys < 1) {
      throw new IllegalArgumentException("clients and keys must be positive");
    }
  }
}

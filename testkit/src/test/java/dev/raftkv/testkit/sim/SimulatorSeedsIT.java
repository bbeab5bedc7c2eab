package dev.raftkv.testkit.sim;

/**
 * {@link SimulatorSeedsTest}'s tests over the seed counts of {@code ./mvnw verify} (CI): {@code
 * -Draftkv.sim.production.seeds} of the shipped loop (500 by default) and {@code
 * -Draftkv.sim.seeds} of the core loop (2000 by default); {@code -Psoak} raises both.
 */
class SimulatorSeedsIT extends SimulatorSeedsTest {

  @Override
  int productionSeeds() {
    return Integer.getInteger("raftkv.sim.production.seeds", 500);
  }

  @Override
  int coreSeeds() {
    return Integer.getInteger("raftkv.sim.seeds", 2000);
  }
}

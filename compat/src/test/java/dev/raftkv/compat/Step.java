package dev.raftkv.compat;

/** One step of a compatibility suite, run against both clusters in turn. */
interface Step {
  /** What the step does, as the test's display name. */
  String name();

  /**
   * Runs the step on both sides.
   *
   * @throws AssertionError if the outputs differ (the message shows both)
   */
  void run(ClusterSide expected, ClusterSide actual) throws Exception;
}

package dev.raftkv.compat;

/** A step that brings both clusters into the same state, each its own way; nothing compared. */
record SideAction(String name, Action action) implements Step {
  /** What is done to one side. */
  @FunctionalInterface
  interface Action {
    void apply(ClusterSide side) throws Exception;
  }

  /** The member at {@code index} (0-based) leads, in both clusters. */
  static SideAction makeLeader(int index) {
    return new SideAction("(setup) member " + (index + 1) + " leads", s -> s.makeLeader(index));
  }

  /** {@code member1}, {@code member2}, ... are the members' ids, in both clusters. */
  static SideAction captureMemberIds() {
    return new SideAction("(setup) capture member ids", ClusterSide::captureMemberIds);
  }

  @Override
  public void run(ClusterSide expected, ClusterSide actual) throws Exception {
    action.apply(expected);
    action.apply(actual);
  }
}

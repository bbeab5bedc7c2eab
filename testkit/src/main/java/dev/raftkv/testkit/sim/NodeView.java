package dev.raftkv.testkit.sim;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Role;
import java.util.List;

/**
 * What {@link Invariants} reads of one live node: its role, term and commit index, and its log
 * (durable and not). The core simulator reads them from the {@link RaftNode} itself; the
 * production-loop simulator, which cannot reach the node inside {@code NodeDriver}, from the
 * driver's status and the node's storage, which holds the node's whole log once the driver has
 * carried out every Ready.
 */
interface NodeView {
  Role role();

  long term();

  long commitIndex();

  /** The first index still in the log. */
  long firstIndex();

  /** The term of the entry at {@code index}, or 0 if the log has none there. */
  long termAt(long index);

  /** Entries in {@code [lo, hi)}, cut at the last index. */
  List<Entry> entries(long lo, long hi);

  /** The view of a core node. */
  static NodeView of(RaftNode node) {
    return new NodeView() {
      @Override
      public Role role() {
        return node.role();
      }

      @Override
      public long term() {
        return node.term();
      }

      @Override
      public long commitIndex() {
        return node.commitIndex();
      }

      @Override
      public long firstIndex() {
        return node.firstIndex();
      }

      @Override
      public long termAt(long index) {
        return node.termAt(index);
      }

      @Override
      public List<Entry> entries(long lo, long hi) {
        return node.entries(lo, hi);
      }
    };
  }
}

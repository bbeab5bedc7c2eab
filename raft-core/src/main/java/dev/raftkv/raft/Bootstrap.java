package dev.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a new cluster's log begins: one {@link ConfChange.Type#ADD_VOTER} entry per initial member at
 * indexes 1..n, all of term 1 and committed. Every founding member starts from this same log (with
 * the membership empty until the entries apply), so a member added later that replays the log from
 * index 1 learns the founding membership too — the same approach as etcd's bootstrap.
 */
public final class Bootstrap {
  private Bootstrap() {}

  /** The founding entries, in ascending member id order. */
  public static List<Entry> entries(Set<Long> voters) {
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("a cluster needs at least one voter");
    }
    List<Entry> out = new ArrayList<>();
    long index = 0;
    for (long id : new TreeSet<>(voters)) {
      ConfChange cc = new ConfChange(ConfChange.Type.ADD_VOTER, id);
      out.add(new Entry(1, ++index, EntryType.CONF_CHANGE, cc.encode()));
    }
    return out;
  }

  /** The hard state that goes with {@link #entries}: term 1, no vote, all of them committed. */
  public static HardState hardState(Set<Long> voters) {
    return new HardState(1, 0, voters.size());
  }
}

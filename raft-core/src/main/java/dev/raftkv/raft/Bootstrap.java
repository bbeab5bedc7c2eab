package dev.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a new cluster's log begins: one {@link ConfChange.Type#ADD_VOTER} entry per initial member at
 * indexes 1..n, all of term 1 and committed. Every founding member starts from this same log (with
 * the membership empty until the entries apply), so a member added later that replays the log from
 * index 1 learns the founding membership too — the same approach as etcd's bootstrap.
 */
public final class Bootstrap {
  private Bootstrap() {}

  /** The founding entries, in ascending member id order, without contexts. */
  public static List<Entry> entries(Set<Long> voters) {
    Map<Long, byte[]> contexts = new TreeMap<>();
    voters.forEach(v -> contexts.put(v, new byte[0]));
    return entries(contexts);
  }

  /**
   * The founding entries, in ascending member id order, each change carrying the application's
   * context for its member (see {@link ConfChange#context()}).
   *
   * @param voters every founding member's id and context
   */
  public static List<Entry> entries(Map<Long, byte[]> voters) {
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("a cluster needs at least one voter");
    }
    List<Entry> out = new ArrayList<>();
    long index = 0;
    for (Map.Entry<Long, byte[]> v : new TreeMap<>(voters).entrySet()) {
      ConfChange cc = new ConfChange(ConfChange.Type.ADD_VOTER, v.getKey(), v.getValue());
      out.add(new Entry(1, ++index, EntryType.CONF_CHANGE, cc.encode()));
    }
    return out;
  }

  /** The hard state that goes with {@link #entries}: term 1, no vote, all of them committed. */
  public static HardState hardState(Set<Long> voters) {
    return new HardState(1, 0, voters.size());
  }
}

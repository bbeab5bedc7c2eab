package dev.raftkv.raft;

import java.util.List;

/**
 * What the node asks its caller to do, handed out by {@link RaftNode#ready()} and acknowledged with
 * {@link RaftNode#advance(Ready)}. The caller, in this order:
 *
 * <ol>
 *   <li>sends {@link #messages()} at once: they depend on nothing still unwritten (a leader's
 *       appends go out while its own disk write runs, thesis §10.2.1);
 *   <li>appends {@link #entries()} to storage (truncating any conflicting suffix) and stores {@link
 *       #hardState()} if it is not null, then makes both durable (fsync) when {@link #mustSync()}
 *       is set;
 *   <li>only then sends {@link #messagesAfterPersist()}: votes and acknowledgements that promise
 *       the writes above are durable;
 *   <li>applies {@link #committedEntries()} to the state machine in order (they are always durable
 *       locally already);
 *   <li>calls {@link RaftNode#advance(Ready)}.
 * </ol>
 *
 * @param hardState the hard state to persist, or null if unchanged since the previous Ready
 * @param entries entries to append to storage
 * @param messages messages to send now
 * @param messagesAfterPersist messages to send once entries and hard state are durable
 * @param committedEntries committed entries to apply
 * @param mustSync whether the writes must be fsynced before the after-persist messages go: new
 *     entries, or a new term or vote (a commit index that moved alone needs no sync)
 */
public record Ready(
    HardState hardState,
    List<Entry> entries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<Entry> committedEntries,
    boolean mustSync) {

  public Ready {
    entries = List.copyOf(entries);
    messages = List.copyOf(messages);
    messagesAfterPersist = List.copyOf(messagesAfterPersist);
    committedEntries = List.copyOf(committedEntries);
  }
}

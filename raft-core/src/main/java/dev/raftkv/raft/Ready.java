package dev.raftkv.raft;

import java.util.List;
import java.util.Objects;

/**
 * What the node asks its caller to do, handed out by {@link RaftNode#ready()} and acknowledged with
 * {@link RaftNode#advance(Ready)}. The caller, in this order:
 *
 * <ol>
 *   <li>sends {@link #messages()} at once: they depend on nothing still unwritten (a leader's
 *       appends go out while its own disk write runs, thesis §10.2.1);
 *   <li>if {@link #snapshot()} is not empty, stores it and replaces its log with it (a snapshot
 *       received from the leader), then appends {@link #entries()} to storage (truncating any
 *       conflicting suffix) and stores {@link #hardState()} if it is not null, and makes all of it
 *       durable (fsync) when {@link #mustSync()} is set;
 *   <li>only then sends {@link #messagesAfterPersist()}: votes and acknowledgements that promise
 *       the writes above are durable;
 *   <li>restores its state machine from {@link #snapshot()} if there is one, then applies {@link
 *       #committedEntries()} in order (they are always durable locally already), and serves the
 *       reads of {@link #readStates()} once it has applied up to their index;
 *   <li>if {@link #compactTo()} is positive, may discard log entries up to that index (a snapshot
 *       covers them);
 *   <li>calls {@link RaftNode#advance(Ready)}.
 * </ol>
 *
 * @param hardState the hard state to persist, or null if unchanged since the previous Ready
 * @param snapshot a snapshot received from the leader to persist and install, or {@link
 *     Snapshot#EMPTY}
 * @param entries entries to append to storage
 * @param messages messages to send now
 * @param messagesAfterPersist messages to send once entries and hard state are durable
 * @param committedEntries committed entries to apply
 * @param readStates linearizable reads that may be served
 * @param compactTo the index up to which the log may be compacted, or 0
 * @param mustSync whether the writes must be fsynced before the after-persist messages go: a
 *     snapshot, new entries, or a new term or vote (a commit index that moved alone needs no sync)
 */
public record Ready(
    HardState hardState,
    Snapshot snapshot,
    List<Entry> entries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<Entry> committedEntries,
    List<ReadState> readStates,
    long compactTo,
    boolean mustSync) {

  public Ready {
    Objects.requireNonNull(snapshot, "snapshot");
    entries = List.copyOf(entries);
    messages = List.copyOf(messages);
    messagesAfterPersist = List.copyOf(messagesAfterPersist);
    committedEntries = List.copyOf(committedEntries);
    readStates = List.copyOf(readStates);
  }
}

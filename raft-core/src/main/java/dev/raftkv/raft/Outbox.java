package dev.raftkv.raft;

import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.SnapshotResponse;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node has produced for the outside world since the last {@link Ready}: messages to send at
 * once, messages to send only once that Ready's writes are durable, and answers to reads asked on
 * this node. {@link RaftNode#ready()} hands the three lists out as they are and then {@link
 * #clear()}s them.
 *
 * <p>Every message the node produces goes through {@link #send(Message)}, the one place that
 * decides whether a message must wait for the persist. Each list keeps the order of the calls,
 * which is the order the caller sends in.
 */
final class Outbox {
  /** Messages that promise nothing about the local disk: {@link Ready#messages()}. */
  final List<Message> messages = new ArrayList<>();

  /** Messages that rest on this Ready's durable writes: {@link Ready#messagesAfterPersist()}. */
  final List<Message> afterPersist = new ArrayList<>();

  /** Reads asked on this node that may be served: {@link Ready#readStates()}. */
  final List<ReadState> readStates = new ArrayList<>();

  /**
   * Queues {@code m}. Messages that promise durable state (votes, append acknowledgements, vote
   * requests that rest on our own durable vote, a completed snapshot) wait for the next persist.
   */
  void send(Message m) {
    boolean waitsForPersist =
        m instanceof AppendResponse
            || (m instanceof VoteResponse r && !r.preVote())
            || (m instanceof VoteRequest v && !v.preVote())
            || (m instanceof SnapshotResponse s && s.done());
    (waitsForPersist ? afterPersist : messages).add(m);
  }

  /** Whether nothing is queued. */
  boolean isEmpty() {
    return messages.isEmpty() && afterPersist.isEmpty() && readStates.isEmpty();
  }

  /** Forgets everything queued, once a {@link Ready} has taken (copied) it. */
  void clear() {
    messages.clear();
    afterPersist.clear();
    readStates.clear();
  }
}

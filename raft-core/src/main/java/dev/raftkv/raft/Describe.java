package dev.raftkv.raft;

import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.HeartbeatResponse;
import dev.raftkv.raft.Message.InstallSnapshot;
import dev.raftkv.raft.Message.Propose;
import dev.raftkv.raft.Message.ReadIndexRequest;
import dev.raftkv.raft.Message.ReadIndexResponse;
import dev.raftkv.raft.Message.SnapshotResponse;
import dev.raftkv.raft.Message.TimeoutNow;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How a message, an entry or a node's status prints: one line each, for traces, failure logs and
 * the expected output of the core's scenario scripts (changing a rendering changes those scripts).
 * Pure functions of the values; nothing in the algorithm uses them.
 */
public final class Describe {
  private Describe() {}

  /** A message as one compact line, e.g. {@code 1->2 App t2 prev=5/1 commit=5 [6/2 "x"]}. */
  public static String message(Message m) {
    String head = m.from() + "->" + m.to() + " ";
    if (m instanceof VoteRequest v) {
      return head
          + (v.preVote() ? "PreVote" : "Vote")
          + " t"
          + v.term()
          + " last="
          + v.lastLogIndex()
          + "/"
          + v.lastLogTerm()
          + (v.transfer() ? " transfer" : "");
    }
    if (m instanceof VoteResponse r) {
      return head
          + (r.preVote() ? "PreVoteResp" : "VoteResp")
          + " t"
          + r.term()
          + (r.granted() ? " granted" : " rejected");
    }
    if (m instanceof AppendRequest a) {
      return head
          + "App t"
          + a.term()
          + " prev="
          + a.prevIndex()
          + "/"
          + a.prevTerm()
          + " commit="
          + a.commit()
          + " "
          + entries(a.entries());
    }
    if (m instanceof AppendResponse r) {
      return head
          + "AppResp t"
          + r.term()
          + " index="
          + r.index()
          + (r.reject() ? " rejected hint=" + r.hintIndex() + "/" + r.hintTerm() : "");
    }
    if (m instanceof Heartbeat h) {
      return head
          + "Heartbeat t"
          + h.term()
          + " commit="
          + h.commit()
          + (h.context() != 0 ? " ctx=" + h.context() : "");
    }
    if (m instanceof HeartbeatResponse h) {
      return head + "HeartbeatResp t" + h.term() + (h.context() != 0 ? " ctx=" + h.context() : "");
    }
    if (m instanceof Propose p) {
      return head + "Propose " + entries(p.entries());
    }
    if (m instanceof TimeoutNow t) {
      return head + "TimeoutNow t" + t.term();
    }
    if (m instanceof ReadIndexRequest r) {
      return head + "ReadIndex req=" + r.requestId();
    }
    if (m instanceof ReadIndexResponse r) {
      return head + "ReadIndexResp t" + r.term() + " req=" + r.requestId() + " index=" + r.index();
    }
    if (m instanceof InstallSnapshot s) {
      return head
          + "Snapshot t"
          + s.term()
          + " snap="
          + s.metadata().index()
          + "/"
          + s.metadata().term()
          + " voters="
          + s.metadata().conf().voters()
          + (s.metadata().conf().learners().isEmpty()
              ? ""
              : " learners=" + s.metadata().conf().learners())
          + " offset="
          + s.offset()
          + " len="
          + s.data().length
          + (s.last() ? " last" : "");
    }
    if (m instanceof SnapshotResponse s) {
      return head
          + "SnapshotResp t"
          + s.term()
          + " snap="
          + s.snapshotIndex()
          + (s.done() ? " done" : " next=" + s.nextOffset());
    }
    return head + m;
  }

  /** Entries as {@code [index/term "data" ...]}. */
  public static String entries(List<Entry> entries) {
    return entries.stream().map(Describe::entry).collect(Collectors.joining(" ", "[", "]"));
  }

  /** One entry as {@code index/term "data"} (or {@code index/term} for a no-op). */
  public static String entry(Entry e) {
    String data;
    if (e.type() == EntryType.CONF_CHANGE) {
      data = " " + ConfChange.decode(e.data());
    } else {
      data =
          e.data().length == 0 ? "" : " \"" + new String(e.data(), StandardCharsets.UTF_8) + "\"";
    }
    return e.index() + "/" + e.term() + data;
  }

  /** Role, term, leader, commit and applied of a node on one line. */
  public static String status(Status s) {
    return s.id()
        + ": "
        + s.role()
        + " term="
        + s.term()
        + " vote="
        + s.vote()
        + " leader="
        + s.leader()
        + " last="
        + s.lastIndex()
        + " commit="
        + s.commit()
        + " applied="
        + s.applied();
  }
}

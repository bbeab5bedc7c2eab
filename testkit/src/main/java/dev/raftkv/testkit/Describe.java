package dev.raftkv.testkit;

import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.Message.AppendRequest;
import dev.raftkv.raft.Message.AppendResponse;
import dev.raftkv.raft.Message.Heartbeat;
import dev.raftkv.raft.Message.HeartbeatResponse;
import dev.raftkv.raft.Message.Propose;
import dev.raftkv.raft.Message.VoteRequest;
import dev.raftkv.raft.Message.VoteResponse;
import dev.raftkv.raft.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** One-line renderings of messages, entries and status, for scenario output and failure logs. */
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
    return head + m;
  }

  /** Entries as {@code [index/term "data" ...]}. */
  public static String entries(List<Entry> entries) {
    return entries.stream().map(Describe::entry).collect(Collectors.joining(" ", "[", "]"));
  }

  /** One entry as {@code index/term "data"} (or {@code index/term} for a no-op). */
  public static String entry(Entry e) {
    String data =
        e.data().length == 0 ? "" : " \"" + new String(e.data(), StandardCharsets.UTF_8) + "\"";
    String type = e.type() == EntryType.NORMAL ? "" : " " + e.type();
    return e.index() + "/" + e.term() + type + data;
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

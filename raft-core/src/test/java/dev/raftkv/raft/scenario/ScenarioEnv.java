package dev.raftkv.raft.scenario;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Describe;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.ProgressStatus;
import dev.raftkv.raft.ProposalRejectedException;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.ReadState;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The world a scenario script runs in: in-memory nodes driven by hand, a queue of messages in
 * flight, and link blocks for partitions. Each command returns the text it prints; state changes
 * (role, term, leader) are printed as they happen.
 *
 * <p>Commands (ids are member ids; {@code key=value} options are optional):
 *
 * <ul>
 *   <li>{@code add-nodes N [prevote=true] [checkquorum=true] [election=10] [inflight=256]
 *       [msgbytes=1048576] [inflightbytes=33554432]}: voters 1..N
 *   <li>{@code campaign ID}, {@code propose ID DATA}, {@code tick ID [N]}, {@code tick-heartbeat
 *       ID}, {@code tick-election ID} (ticks until the node's role or term changes)
 *   <li>{@code process-ready ID...}: carry out each node's Ready (persist, queue messages, apply)
 *   <li>{@code deliver [from=ID] [to=ID]}: deliver the queued messages (one round)
 *   <li>{@code stabilize [ID...]}: process-ready and deliver until nothing moves
 *   <li>{@code drop [from=ID] [to=ID]}: discard queued messages
 *   <li>{@code partition 1,2 3,4,5}: only links within a group work; {@code isolate ID}; {@code
 *       heal}
 *   <li>{@code crash ID}: lose the node's memory and messages to it; {@code restart ID}: start it
 *       from its storage
 *   <li>{@code snapshot ID}: the node snapshots at its applied index; {@code snapshot-bytes-gone
 *       ID}: from now on its storage cannot read its older snapshots' bytes (as when a newer
 *       checkpoint replaced their files)
 *   <li>{@code status ID}, {@code log ID}, {@code raft-state}
 * </ul>
 */
public final class ScenarioEnv {
  private final Map<Long, RaftNode> nodes = new TreeMap<>();
  private final Map<Long, MemoryStorage> storages = new TreeMap<>();
  private final Map<Long, RaftConfig> configs = new HashMap<>();
  private final Map<Long, Integer> restarts = new HashMap<>();
  private final List<Message> inFlight = new ArrayList<>();
  private final Set<String> blocked = new HashSet<>();
  private final Set<Long> olderSnapshotBytesGone = new HashSet<>();
  private final Map<Long, String> lastState = new HashMap<>();

  /** Each node's state machine: the data of the normal entries it applied, in order. */
  private final Map<Long, List<String>> applied = new HashMap<>();

  private RaftConfig template;
  private StringBuilder out;

  /** Runs one command line and returns what it prints (never empty: "ok" if nothing). */
  public String run(String commandLine) {
    out = new StringBuilder();
    String[] words = commandLine.trim().split("\\s+");
    List<String> args = new ArrayList<>(Arrays.asList(words).subList(1, words.length));
    Map<String, String> opts = new HashMap<>();
    for (Iterator<String> it = args.iterator(); it.hasNext(); ) {
      String a = it.next();
      int eq = a.indexOf('=');
      if (eq > 0) {
        opts.put(a.substring(0, eq), a.substring(eq + 1));
        it.remove();
      }
    }
    try {
      switch (words[0]) {
        case "add-nodes" -> addNodes(Integer.parseInt(args.get(0)), opts);
        case "add-node" -> addNode(id(args, 0));
        case "propose-conf" -> proposeConf(id(args, 0), args.get(1), id(args, 2));
        case "transfer" -> act(id(args, 0), n -> n.transferLeadership(id(args, 1)));
        case "read" -> readIndex(id(args, 0), id(args, 1));
        case "snapshot" -> snapshot(id(args, 0));
        case "snapshot-bytes-gone" -> olderSnapshotBytesGone.add(id(args, 0));
        case "campaign" -> act(id(args, 0), n -> n.campaign());
        case "propose" -> propose(id(args, 0), String.join(" ", args.subList(1, args.size())));
        case "tick" -> tick(id(args, 0), args.size() > 1 ? Integer.parseInt(args.get(1)) : 1);
        case "tick-heartbeat" -> tick(id(args, 0), configs.get(id(args, 0)).heartbeatTick());
        case "tick-election" -> tickElection(id(args, 0));
        case "process-ready" -> {
          for (int i = 0; i < args.size(); i++) {
            processReady(id(args, i));
          }
        }
        case "deliver" -> deliver(opts);
        case "stabilize" -> stabilize(args);
        case "drop" -> drop(opts);
        case "partition" -> partition(args);
        case "isolate" -> isolate(id(args, 0));
        case "heal" -> blocked.clear();
        case "crash" -> crash(id(args, 0));
        case "restart" -> restart(id(args, 0));
        case "status" -> status(id(args, 0));
        case "log" -> log(id(args, 0));
        case "raft-state" -> {
          for (long id : nodes.keySet()) {
            RaftNode n = nodes.get(id);
            out.append(n == null ? id + ": DOWN" : Describe.status(n.status())).append('\n');
          }
        }
        default -> out.append("error: unknown command '").append(words[0]).append("'\n");
      }
    } catch (RuntimeException e) {
      out.append("error: ").append(e).append('\n');
    }
    return out.length() == 0 ? "ok\n" : out.toString();
  }

  private static long id(List<String> args, int i) {
    if (i >= args.size()) {
      throw new IllegalArgumentException("missing node id");
    }
    return Long.parseLong(args.get(i));
  }

  private RaftNode node(long id) {
    RaftNode n = nodes.get(id);
    if (n == null) {
      throw new IllegalArgumentException("node " + id + " is down or unknown");
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------

  private void addNodes(int count, Map<String, String> opts) {
    boolean preVote = Boolean.parseBoolean(opts.getOrDefault("prevote", "true"));
    boolean checkQuorum = Boolean.parseBoolean(opts.getOrDefault("checkquorum", "true"));
    int election = Integer.parseInt(opts.getOrDefault("election", "10"));
    int inflight = Integer.parseInt(opts.getOrDefault("inflight", "256"));
    long msgBytes = Long.parseLong(opts.getOrDefault("msgbytes", "1048576"));
    long inflightBytes = Long.parseLong(opts.getOrDefault("inflightbytes", "33554432"));
    int chunk = Integer.parseInt(opts.getOrDefault("chunk", "1048576"));
    long trailing = Long.parseLong(opts.getOrDefault("trailing", "0"));
    boolean lease = Boolean.parseBoolean(opts.getOrDefault("lease", "false"));
    // bootstrap=log starts the log with the founding members' ADD_VOTER entries (needed when
    // members join later and learn the membership by replaying the log).
    boolean logBootstrap = "log".equals(opts.get("bootstrap"));
    template =
        RaftConfig.defaults(1)
            .withElectionTicks(election, 2 * election)
            .withPreVoteAndCheckQuorum(preVote, checkQuorum)
            .withFlowControl(inflight, msgBytes)
            .withMaxInflightBytes(inflightBytes)
            .withSnapshots(chunk, trailing)
            .withLeaseRead(lease, 2);
    Set<Long> voters = new TreeSet<>();
    for (long id = 1; id <= count; id++) {
      voters.add(id);
    }
    for (long id : voters) {
      configs.put(id, template.withId(id));
      storages.put(
          id,
          logBootstrap
              ? MemoryStorage.bootstrap(voters)
              : new MemoryStorage(ConfState.ofVoters(voters)));
      start(id);
    }
  }

  /** A new, empty node that is not a member yet: it learns everything from the leader. */
  private void addNode(long id) {
    if (template == null || storages.containsKey(id)) {
      throw new IllegalArgumentException("add-node needs add-nodes first and a new id");
    }
    configs.put(id, template.withId(id));
    storages.put(id, new MemoryStorage(ConfState.EMPTY));
    start(id);
  }

  private void proposeConf(long id, String kind, long target) {
    ConfChange.Type type =
        switch (kind) {
          case "add-voter" -> ConfChange.Type.ADD_VOTER;
          case "add-learner" -> ConfChange.Type.ADD_LEARNER;
          case "remove" -> ConfChange.Type.REMOVE;
          default -> throw new IllegalArgumentException("unknown change '" + kind + "'");
        };
    try {
      act(id, n -> n.proposeConfChange(new ConfChange(type, target)));
    } catch (ProposalRejectedException e) {
      out.append("rejected: ").append(e.reason()).append(" (").append(e.getMessage()).append(")\n");
    }
  }

  private void readIndex(long id, long requestId) {
    try {
      act(id, n -> n.readIndex(requestId));
    } catch (ProposalRejectedException e) {
      out.append("rejected: ").append(e.reason()).append(" (").append(e.getMessage()).append(")\n");
    }
  }

  /** The node snapshots its state machine at its applied index; the log may then be compacted. */
  private void snapshot(long id) {
    RaftNode n = node(id);
    long index = n.status().applied();
    Snapshot snap =
        new Snapshot(
            new SnapshotMetadata(index, n.termAt(index), n.conf()),
            String.join(",", applied.get(id)).getBytes(StandardCharsets.UTF_8));
    storages.get(id).setSnapshot(snap);
    n.snapshotTaken(index);
    out.append(id)
        .append(": snapshot at ")
        .append(index)
        .append('/')
        .append(n.termAt(index))
        .append(" (")
        .append(snap.data().length)
        .append(" bytes)\n");
  }

  private void start(long id) {
    int gen = restarts.merge(id, 1, Integer::sum);
    Snapshot snap = storages.get(id).snapshot();
    applied.put(id, restore(snap));
    RaftNode n =
        new RaftNode(
            configs.get(id),
            new ScenarioStorage(storages.get(id), () -> olderSnapshotBytesGone.contains(id)),
            new Random(id * 1000 + gen));
    nodes.put(id, n);
    lastState.put(id, stateOf(n));
    out.append(Describe.status(n.status())).append('\n');
  }

  private interface Action {
    void apply(RaftNode n);
  }

  private void act(long id, Action action) {
    RaftNode n = node(id);
    action.apply(n);
    reportChanges();
  }

  private void propose(long id, String data) {
    try {
      act(id, n -> n.propose(data.getBytes(StandardCharsets.UTF_8)));
    } catch (ProposalRejectedException e) {
      out.append("rejected: ").append(e.reason()).append(" (").append(e.getMessage()).append(")\n");
    }
  }

  private void tick(long id, int count) {
    for (int i = 0; i < count; i++) {
      act(id, RaftNode::tick);
    }
  }

  private void tickElection(long id) {
    RaftNode n = node(id);
    String before = stateOf(n);
    int max = configs.get(id).electionTickMax();
    for (int i = 0; i < max && stateOf(n).equals(before); i++) {
      act(id, RaftNode::tick);
    }
  }

  private static String stateOf(RaftNode n) {
    return n.role() + " term=" + n.term() + " leader=" + n.leader();
  }

  /** Prints role, term or leader changes since the last report. */
  private void reportChanges() {
    for (Map.Entry<Long, RaftNode> e : nodes.entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      String now = stateOf(e.getValue());
      String before = lastState.put(e.getKey(), now);
      if (!now.equals(before)) {
        out.append(e.getKey()).append(": ").append(before).append(" -> ").append(now).append('\n');
      }
    }
  }

  private boolean processReady(long id) {
    RaftNode n = node(id);
    if (!n.hasReady()) {
      return false;
    }
    Ready rd = n.ready();
    MemoryStorage storage = storages.get(id);
    StringBuilder line = new StringBuilder(id + ": ready");
    if (rd.hardState() != null) {
      line.append(" hs=")
          .append(rd.hardState().term())
          .append('/')
          .append(rd.hardState().vote())
          .append('/')
          .append(rd.hardState().commit());
    }
    if (!rd.entries().isEmpty()) {
      line.append(" persist=").append(Describe.entries(rd.entries()));
    }
    if (!rd.snapshot().isEmpty()) {
      SnapshotMetadata meta = rd.snapshot().metadata();
      line.append(" install-snapshot=").append(meta.index()).append('/').append(meta.term());
    }
    if (!rd.committedEntries().isEmpty()) {
      line.append(" apply=").append(Describe.entries(rd.committedEntries()));
    }
    if (!rd.readStates().isEmpty()) {
      line.append(" reads=");
      for (ReadState r : rd.readStates()) {
        line.append('[').append(r.requestId()).append('@').append(r.index()).append(']');
      }
    }
    if (rd.compactTo() > 0) {
      line.append(" compact-to=").append(rd.compactTo());
    }
    out.append(line).append('\n');
    List<String> lines = new ArrayList<>();
    for (Message m : rd.messages()) {
      lines.add(Describe.message(m));
      inFlight.add(m);
    }
    if (!rd.snapshot().isEmpty()) {
      storage.applySnapshot(rd.snapshot());
      applied.put(id, restore(rd.snapshot()));
    }
    storage.append(rd.entries());
    if (rd.hardState() != null) {
      storage.setHardState(rd.hardState());
    }
    for (Entry e : rd.committedEntries()) {
      if (e.type() == dev.raftkv.raft.EntryType.NORMAL && e.data().length > 0) {
        applied.get(id).add(new String(e.data(), StandardCharsets.UTF_8));
      }
    }
    if (rd.compactTo() > 0) {
      storage.compact(Math.min(rd.compactTo(), storage.lastIndex()));
    }
    for (Message m : rd.messagesAfterPersist()) {
      lines.add(Describe.message(m) + " (after persist)");
      inFlight.add(m);
    }
    printGrouped("", lines);
    n.advance(rd);
    reportChanges();
    return true;
  }

  private static List<String> restore(Snapshot snap) {
    List<String> state = new ArrayList<>();
    if (!snap.isEmpty() && snap.data().length > 0) {
      state.addAll(Arrays.asList(new String(snap.data(), StandardCharsets.UTF_8).split(",")));
    }
    return state;
  }

  private boolean deliver(Map<String, String> opts) {
    List<Message> round = new ArrayList<>();
    for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
      Message m = it.next();
      if (matches(m, opts)) {
        round.add(m);
        it.remove();
      }
    }
    List<String> dropped = new ArrayList<>();
    for (Message m : round) {
      RaftNode to = nodes.get(m.to());
      if (to == null || blocked.contains(m.from() + ">" + m.to())) {
        dropped.add(Describe.message(m));
        continue;
      }
      to.step(m);
      reportChanges();
    }
    printGrouped("dropped ", dropped);
    return !round.isEmpty();
  }

  private static boolean matches(Message m, Map<String, String> opts) {
    String from = opts.get("from");
    String to = opts.get("to");
    return (from == null || Long.parseLong(from) == m.from())
        && (to == null || Long.parseLong(to) == m.to());
  }

  private void stabilize(List<String> args) {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      ids.add(id(args, i));
    }
    for (int round = 0; round < 1000; round++) {
      boolean moved = false;
      for (long id : ids.isEmpty() ? new ArrayList<>(nodes.keySet()) : ids) {
        if (nodes.get(id) != null) {
          moved |= processReady(id);
        }
      }
      Map<String, String> none = Map.of();
      moved |= deliver(none);
      if (!moved) {
        return;
      }
    }
    out.append("error: did not stabilize within 1000 rounds\n");
  }

  /** Drops the queued messages that match; with {@code nth=K} only the K-th of them (from 1). */
  private void drop(Map<String, String> opts) {
    int nth = Integer.parseInt(opts.getOrDefault("nth", "0"));
    int seen = 0;
    List<String> dropped = new ArrayList<>();
    for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
      Message m = it.next();
      if (matches(m, opts) && (nth == 0 || ++seen == nth)) {
        dropped.add(Describe.message(m));
        it.remove();
      }
    }
    printGrouped("dropped ", dropped);
  }

  /** Prints lines in first-seen order, identical ones once with a count ("(x12)"). */
  private void printGrouped(String prefix, List<String> lines) {
    Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    for (String l : lines) {
      counts.merge(l, 1, Integer::sum);
    }
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      out.append("  ").append(prefix).append(e.getKey());
      if (e.getValue() > 1) {
        out.append(" (x").append(e.getValue()).append(')');
      }
      out.append('\n');
    }
  }

  private void partition(List<String> groups) {
    blocked.clear();
    List<Set<Long>> sets = new ArrayList<>();
    for (String g : groups) {
      Set<Long> s = new TreeSet<>();
      for (String id : g.split(",")) {
        s.add(Long.parseLong(id));
      }
      sets.add(s);
    }
    for (long a : nodes.keySet()) {
      for (long b : nodes.keySet()) {
        if (a != b && sets.stream().noneMatch(s -> s.contains(a) && s.contains(b))) {
          blocked.add(a + ">" + b);
        }
      }
    }
  }

  private void isolate(long id) {
    for (long other : nodes.keySet()) {
      if (other != id) {
        blocked.add(id + ">" + other);
        blocked.add(other + ">" + id);
      }
    }
  }

  private void crash(long id) {
    node(id);
    nodes.put(id, null);
    inFlight.removeIf(m -> m.to() == id);
  }

  private void restart(long id) {
    if (nodes.get(id) != null) {
      throw new IllegalArgumentException("node " + id + " is running");
    }
    start(id);
  }

  private void status(long id) {
    Status s = node(id).status();
    out.append(Describe.status(s))
        .append(" voters=")
        .append(s.conf().voters())
        .append(s.conf().learners().isEmpty() ? "" : " learners=" + s.conf().learners())
        .append(s.transferee() != 0 ? " transferring-to=" + s.transferee() : "")
        .append('\n');
    for (Map.Entry<Long, ProgressStatus> e : s.progress().entrySet()) {
      ProgressStatus p = e.getValue();
      out.append("  ")
          .append(e.getKey())
          .append(": ")
          .append(p.state())
          .append(" match=")
          .append(p.match())
          .append(" next=")
          .append(p.next())
          .append(p.inflight() > 0 ? " inflight=" + p.inflight() : "")
          .append(p.learner() ? " learner" : "")
          .append('\n');
    }
  }

  private void log(long id) {
    RaftNode n = node(id);
    List<Entry> entries = n.entries(n.firstIndex(), n.lastIndex() + 1);
    out.append(id)
        .append(": commit=")
        .append(n.commitIndex())
        .append(n.firstIndex() > 1 ? " first=" + n.firstIndex() : "")
        .append(' ')
        .append(Describe.entries(entries))
        .append(" applied-state=")
        .append(applied.get(id))
        .append('\n');
  }
}

package dev.raftkv.raft.paper;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Describe;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Message;
import dev.raftkv.raft.RaftConfig;
import dev.raftkv.raft.RaftNode;
import dev.raftkv.raft.Ready;
import dev.raftkv.raft.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A tiny synchronous network of {@link RaftNode}s for the paper-rule tests: one {@link
 * MemoryStorage} and one seeded {@link Random} per node, a FIFO of messages in flight, and drop
 * filters. Nothing runs unless a test calls it, so every step of a scenario is explicit.
 *
 * <p>{@link #process(long)} plays the caller of the Ready contract: persist entries and hard state
 * into the node's MemoryStorage, queue {@link Ready#messages()} and {@link
 * Ready#messagesAfterPersist()}, record committed entries as applied, then advance.
 */
final class Net {
  private final long seed;
  private final UnaryOperator<RaftConfig> configure;
  private final Map<Long, RaftNode> nodes = new TreeMap<>();
  private final Map<Long, MemoryStorage> storages = new TreeMap<>();
  private final Map<Long, List<Entry>> applied = new TreeMap<>();
  private final Deque<Message> inFlight = new ArrayDeque<>();

  /** Every message a node handed out, in order, including the ones the filters dropped. */
  final List<Message> sent = new ArrayList<>();

  /** Every message stepped into a node, in order. */
  final List<Message> delivered = new ArrayList<>();

  private final List<Predicate<Message>> drops = new ArrayList<>();
  private final Set<Long> isolated = new LinkedHashSet<>();

  /** {@code n} voters 1..n with the given config tweak and empty storage. */
  static Net of(int n, long seed, UnaryOperator<RaftConfig> configure) {
    return new Net(n, seed, configure, (id, s) -> {});
  }

  /** {@code n} voters 1..n running the plain paper rules: no PreVote, no CheckQuorum. */
  static Net plain(int n, long seed) {
    return of(n, seed, c -> c.withPreVoteAndCheckQuorum(false, false));
  }

  /**
   * {@code n} voters whose storage {@code init} fills before the nodes start (pre-built logs and
   * hard states, as for Figure 8).
   */
  Net(int n, long seed, UnaryOperator<RaftConfig> configure, BiConsumer<Long, MemoryStorage> init) {
    this.seed = seed;
    this.configure = configure;
    Set<Long> voters = new LinkedHashSet<>();
    for (long id = 1; id <= n; id++) {
      voters.add(id);
    }
    for (long id = 1; id <= n; id++) {
      MemoryStorage s = new MemoryStorage(ConfState.ofVoters(voters));
      init.accept(id, s);
      storages.put(id, s);
      applied.put(id, new ArrayList<>());
      nodes.put(id, newNode(id, 0));
    }
  }

  private RaftNode newNode(long id, int incarnation) {
    RaftConfig config = configure.apply(RaftConfig.defaults(id));
    return new RaftNode(config, storages.get(id), new Random(seed * 1_000 + id * 10 + incarnation));
  }

  /** Fills {@code s} with entries 1..n of the given terms (index i gets terms[i-1]). */
  static void fillLog(MemoryStorage s, long... terms) {
    List<Entry> ents = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      ents.add(Entry.normal(terms[i], i + 1, data("e" + (i + 1))));
    }
    s.append(ents);
  }

  static byte[] data(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  RaftNode node(long id) {
    return nodes.get(id);
  }

  MemoryStorage storage(long id) {
    return storages.get(id);
  }

  /** Entries handed to the application of {@code id}, in order. */
  List<Entry> applied(long id) {
    return applied.get(id);
  }

  Set<Long> ids() {
    return nodes.keySet();
  }

  /** Replaces node {@code id} by a fresh one built from its storage, as after a crash. */
  RaftNode restart(long id) {
    RaftNode n = newNode(id, 1);
    nodes.put(id, n);
    applied.put(id, new ArrayList<>());
    return n;
  }

  /** Drops every message to or from {@code id} until {@link #heal()}. */
  void isolate(long id) {
    isolated.add(id);
  }

  /** Drops every message {@code p} accepts until {@link #heal()}. */
  void drop(Predicate<Message> p) {
    drops.add(p);
  }

  /** Removes every isolation and drop filter. */
  void heal() {
    isolated.clear();
    drops.clear();
  }

  /** Discards messages still in flight. */
  void clearInFlight() {
    inFlight.clear();
  }

  /**
   * Carries out every pending Ready of {@code id} (persist, queue messages, apply, advance) and
   * returns the messages it handed out.
   */
  List<Message> process(long id) {
    RaftNode n = nodes.get(id);
    MemoryStorage s = storages.get(id);
    List<Message> out = new ArrayList<>();
    while (n.hasReady()) {
      Ready rd = n.ready();
      out.addAll(rd.messages());
      s.append(rd.entries());
      if (rd.hardState() != null) {
        s.setHardState(rd.hardState());
      }
      out.addAll(rd.messagesAfterPersist());
      applied.get(id).addAll(rd.committedEntries());
      n.advance(rd);
    }
    for (Message m : out) {
      send(m);
    }
    return out;
  }

  /** Queues {@code m} unless a filter drops it. */
  void send(Message m) {
    sent.add(m);
    if (isolated.contains(m.from()) || isolated.contains(m.to())) {
      return;
    }
    for (Predicate<Message> p : drops) {
      if (p.test(m)) {
        return;
      }
    }
    inFlight.add(m);
  }

  /** Processes every node, then delivers messages one at a time until nothing is left to do. */
  void deliverAll() {
    for (int rounds = 0; rounds < 100_000; rounds++) {
      for (long id : nodes.keySet()) {
        process(id);
      }
      Message m = inFlight.poll();
      if (m == null) {
        return;
      }
      deliver(m);
    }
    throw new AssertionError("network did not go quiet: " + describeInFlight());
  }

  /** How many messages are in flight. */
  int inFlightCount() {
    return inFlight.size();
  }

  /**
   * Removes the in-flight message at position {@code i} (for tests that reorder deliveries) and
   * returns it.
   */
  Message takeInFlight(int i) {
    List<Message> all = new ArrayList<>(inFlight);
    Message m = all.remove(i);
    inFlight.clear();
    inFlight.addAll(all);
    return m;
  }

  /** Steps {@code m} into its recipient and processes the recipient. */
  void deliver(Message m) {
    RaftNode to = nodes.get(m.to());
    if (to == null) {
      return;
    }
    delivered.add(m);
    to.step(m);
    process(m.to());
  }

  /** Ticks {@code id} once and processes it. */
  void tick(long id) {
    nodes.get(id).tick();
    process(id);
  }

  /** Ticks every node {@code times} times, delivering all messages after each round. */
  void tickAll(int times) {
    for (int i = 0; i < times; i++) {
      for (long id : nodes.keySet()) {
        nodes.get(id).tick();
      }
      deliverAll();
    }
  }

  /** Campaigns {@code id} and runs the network until quiet; returns the node. */
  RaftNode elect(long id) {
    nodes.get(id).campaign();
    deliverAll();
    RaftNode n = nodes.get(id);
    if (n.role() != Role.LEADER) {
      throw new AssertionError("node " + id + " did not win: " + statuses());
    }
    return n;
  }

  /** Proposes {@code text} on {@code id} and runs the network until quiet. */
  void propose(long id, String text) {
    nodes.get(id).propose(data(text));
    deliverAll();
  }

  /** Messages handed out so far that are of {@code type}. */
  <T extends Message> List<T> sentOf(Class<T> type) {
    return sent.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  String statuses() {
    return nodes.values().stream()
        .map(n -> Describe.status(n.status()))
        .collect(Collectors.joining("; "));
  }

  String describeInFlight() {
    return inFlight.stream().map(Describe::message).collect(Collectors.joining(", "));
  }

  static String describe(List<? extends Message> msgs) {
    return msgs.stream().map(Describe::message).collect(Collectors.joining(", ", "[", "]"));
  }

  /** Hard state for pre-built storage. */
  static HardState hs(long term, long vote, long commit) {
    return new HardState(term, vote, commit);
  }
}

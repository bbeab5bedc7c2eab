package dev.raftkv.server.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.kv.Member;
import dev.raftkv.server.metrics.MetricTotals;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * What one member's dashboard shows, as the JSON snapshots its page draws: this member's view of
 * the leader, every member's state (this one's own, the others' as they last answered {@link
 * PeerPoller}), the leader changes this member saw ({@link LeaderTimeline}) and chart points
 * ({@link ChartSampler}). Confined to one thread (the admin event loop), but for the poller.
 *
 * <p>A snapshot:
 *
 * <pre>{@code
 * {"time": ms, "self": {"name", "id"}, "term", "leader": {"id", "name"} or null,
 *  "members": [{"name", "id", "self", "reachable" (null: not asked yet), "role", "term",
 *               "leader", "commit", "applied", "lag", "detached", "error"}],
 *  "events": [{"time", "kind", "term", "leader", "leaderName"}],
 *  "samples": [{"time", "committed", "applied", "requests", "walFsyncMs", "backendCommitMs",
 *               "applyMs"}]}
 * }</pre>
 *
 * Ids are hex strings, as {@code /status} prints them. A member's {@code lag} is the highest commit
 * index among the members that answered minus its applied index (null if it did not answer). A
 * latency with nothing timed in its interval is null.
 */
public final class Dashboard {
  /** Where a dashboard reads its member. */
  public interface Source {
    /** The member's name. */
    String name();

    /** The member's own state now. */
    LocalStatus status();

    /** The members the replicated state knows. */
    List<Member> members();

    /** The member's metric totals now. */
    MetricTotals totals();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Source source;
  private final PeerPoller poller;
  private final LeaderTimeline timeline;
  private final ChartSampler sampler;
  private final LongSupplier clock;

  /**
   * @param clock the time in epoch milliseconds
   */
  public Dashboard(
      Source source,
      PeerPoller poller,
      LeaderTimeline timeline,
      ChartSampler sampler,
      LongSupplier clock) {
    this.source = source;
    this.poller = poller;
    this.timeline = timeline;
    this.sampler = sampler;
    this.clock = clock;
  }

  /** Notes the term and leader now; true if either changed (see {@link LeaderTimeline#observe}). */
  public boolean observe() {
    LocalStatus s = source.status();
    return timeline.observe(clock.getAsLong(), s.term(), s.leader(), this::nameOf);
  }

  /** Takes this period's chart reading; returns its point, or null for the first. */
  public ChartSample sample() {
    LocalStatus s = source.status();
    return sampler.add(
        new ChartSampler.Reading(clock.getAsLong(), s.commit(), s.applied(), source.totals()));
  }

  /**
   * Starts asking the other members for their state; the future completes once every one has
   * answered or failed (see {@link PeerPoller#poll}).
   */
  public CompletableFuture<Void> poll() {
    return poller.poll(source.members(), source.status().id());
  }

  /** The chart points kept, oldest first (a new page's history). */
  public List<ChartSample> history() {
    return sampler.samples();
  }

  /** A snapshot (see the class comment) with the given chart points. */
  public ObjectNode snapshot(List<ChartSample> samples) {
    LocalStatus s = source.status();
    List<Member> members = source.members();
    ObjectNode out = JSON.createObjectNode().put("time", clock.getAsLong());
    out.putObject("self").put("name", source.name()).put("id", hex(s.id()));
    out.put("term", s.term());
    if (s.leader() == 0) {
      out.putNull("leader");
    } else {
      out.putObject("leader")
          .put("id", hex(s.leader()))
          .put("name", s.leader() == s.id() ? source.name() : nameOf(s.leader(), members));
    }
    List<ObjectNode> rows =
        members.stream()
            .sorted(Comparator.comparing((Member m) -> m.name()).thenComparingLong(Member::id))
            .map(m -> row(m, s))
            .toList();
    long highestCommit = s.commit();
    for (ObjectNode r : rows) {
      if (r.path("reachable").asBoolean(false)) {
        highestCommit = Math.max(highestCommit, r.get("commit").asLong());
      }
    }
    ArrayNode memberArray = out.putArray("members");
    for (ObjectNode r : rows) {
      if (r.path("reachable").asBoolean(false)) {
        r.put("lag", Math.max(0, highestCommit - r.get("applied").asLong()));
      } else {
        r.putNull("lag");
      }
      memberArray.add(r);
    }
    ArrayNode events = out.putArray("events");
    for (LeaderEvent e : timeline.events()) {
      events
          .addObject()
          .put("time", e.timeMillis())
          .put("kind", e.kind().name().toLowerCase(Locale.ROOT))
          .put("term", e.term())
          .put("leader", e.leader() == 0 ? "" : hex(e.leader()))
          .put("leaderName", e.leader() == 0 ? "" : leaderName(e, members));
    }
    ArrayNode points = out.putArray("samples");
    for (ChartSample p : samples) {
      ObjectNode n = points.addObject().put("time", p.timeMillis());
      number(n, "committed", p.committedPerSecond());
      number(n, "applied", p.appliedPerSecond());
      number(n, "requests", p.requestsPerSecond());
      number(n, "walFsyncMs", p.walFsyncMillis());
      number(n, "backendCommitMs", p.backendCommitMillis());
      number(n, "applyMs", p.applyMillis());
    }
    return out;
  }

  private ObjectNode row(Member m, LocalStatus self) {
    ObjectNode r =
        JSON.createObjectNode()
            .put(
                "name",
                !m.name().isEmpty() ? m.name() : m.id() == self.id() ? source.name() : hex(m.id()))
            .put("id", hex(m.id()))
            .put("self", m.id() == self.id());
    if (m.id() == self.id()) {
      return fill(
          r,
          self.role(),
          self.term(),
          self.leader(),
          self.commit(),
          self.applied(),
          self.detached());
    }
    PeerPoller.Answer a = poller.answer(m.id());
    if (a == null) {
      return r.putNull("reachable").put("error", "not asked yet");
    }
    if (!a.reachable()) {
      return r.put("reachable", false).put("error", a.error());
    }
    MemberStatus st = a.status();
    return fill(
        r,
        st.getRole(),
        st.getTerm(),
        st.getLeader(),
        st.getCommit(),
        st.getApplied(),
        st.getDetached());
  }

  private static ObjectNode fill(
      ObjectNode r,
      String role,
      long term,
      long leader,
      long commit,
      long applied,
      boolean detached) {
    return r.put("reachable", true)
        .put("role", role)
        .put("term", term)
        .put("leader", leader == 0 ? "" : hex(leader))
        .put("commit", commit)
        .put("applied", applied)
        .put("detached", detached)
        .put("error", "");
  }

  private static void number(ObjectNode n, String field, double v) {
    if (Double.isFinite(v)) {
      n.put(field, v);
    } else {
      n.putNull(field);
    }
  }

  /** The leader's name now (it may have published it after the event), else as seen then. */
  private static String leaderName(LeaderEvent e, List<Member> members) {
    String now = nameOf(e.leader(), members);
    return now.equals(hex(e.leader())) ? e.leaderName() : now;
  }

  /** A member's name; this member's own even before it has published it to the store. */
  private String nameOf(long id) {
    return id == source.status().id() ? source.name() : nameOf(id, source.members());
  }

  private static String nameOf(long id, List<Member> members) {
    for (Member m : members) {
      if (m.id() == id && !m.name().isEmpty()) {
        return m.name();
      }
    }
    return hex(id);
  }

  private static String hex(long id) {
    return Long.toHexString(id);
  }
}

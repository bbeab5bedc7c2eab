package dev.raftkv.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftkv.api.raftkvpb.MemberStatus;
import dev.raftkv.kv.Member;
import dev.raftkv.server.metrics.MetricTotals;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's parts without a server: the leader timeline and its bound, the chart points from
 * running totals, the snapshot JSON (leader, members, lag, unreachable members) and the framing of
 * a server-sent event.
 */
class DashboardTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String name(long id) {
    return "m" + id;
  }

  @Test
  void timelineRecordsElectionsAndLeadersAndKeepsOnlyTheLatest() {
    LeaderTimeline t = new LeaderTimeline(4);
    assertThat(t.observe(1000, 1, 0, DashboardTest::name)).isTrue(); // first: nothing known
    assertThat(t.events()).isEmpty();
    assertThat(t.observe(1100, 1, 0, DashboardTest::name)).isFalse();
    assertThat(t.observe(1200, 2, 0, DashboardTest::name)).isTrue();
    assertThat(t.observe(1300, 2, 7, DashboardTest::name)).isTrue();
    assertThat(t.events())
        .containsExactly(
            new LeaderEvent(1200, LeaderEvent.Kind.ELECTION, 2, 0, ""),
            new LeaderEvent(1300, LeaderEvent.Kind.LEADER, 2, 7, "m7"));
    // the leader lost within the term, then an election won between two looks: both recorded
    assertThat(t.observe(1400, 2, 0, DashboardTest::name)).isTrue();
    assertThat(t.observe(1500, 3, 9, DashboardTest::name)).isTrue();
    assertThat(t.events())
        .extracting(LeaderEvent::timeMillis, LeaderEvent::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1300L, LeaderEvent.Kind.LEADER),
            org.assertj.core.groups.Tuple.tuple(1400L, LeaderEvent.Kind.NO_LEADER),
            org.assertj.core.groups.Tuple.tuple(1500L, LeaderEvent.Kind.ELECTION),
            org.assertj.core.groups.Tuple.tuple(1500L, LeaderEvent.Kind.LEADER));
    for (int term = 4; term < 100; term++) {
      t.observe(1500 + term, term, 0, DashboardTest::name);
    }
    assertThat(t.events()).hasSize(4);
    assertThat(t.events().get(3).term()).isEqualTo(99);
  }

  @Test
  void chartPointsAreDifferencesOverTheInterval() {
    ChartSampler s = new ChartSampler(3);
    assertThat(s.add(new ChartSampler.Reading(10_000, 100, 90, totals(0, 0, 0, 0, 0)))).isNull();
    // 2 s later: 50 more committed, 60 more applied, 20 requests; 4 fsyncs of 0.04 s in all;
    // 10 applies of 0.1 s in all
    ChartSample p = s.add(new ChartSampler.Reading(12_000, 150, 150, totals(4, 0.04, 10, 0.1, 20)));
    assertThat(p.timeMillis()).isEqualTo(12_000);
    assertThat(p.committedPerSecond()).isCloseTo(25, within(1e-9));
    assertThat(p.appliedPerSecond()).isCloseTo(30, within(1e-9));
    assertThat(p.requestsPerSecond()).isCloseTo(10, within(1e-9));
    assertThat(p.walFsyncMillis()).isCloseTo(10, within(1e-9));
    assertThat(p.applyMillis()).isCloseTo(10, within(1e-9));
    assertThat(p.backendCommitMillis()).isCloseTo(5, within(1e-9));
    // nothing timed in the next interval: no mean, not zero
    ChartSample idle =
        s.add(new ChartSampler.Reading(13_000, 150, 150, totals(4, 0.04, 10, 0.1, 20)));
    assertThat(idle.walFsyncMillis()).isNaN();
    assertThat(idle.committedPerSecond()).isZero();
    assertThat(s.add(new ChartSampler.Reading(13_000, 150, 150, totals(4, 0.04, 10, 0.1, 20))))
        .as("a reading no later than the last")
        .isNull();
    s.add(new ChartSampler.Reading(14_000, 150, 150, totals(4, 0.04, 10, 0.1, 20)));
    s.add(new ChartSampler.Reading(15_000, 150, 150, totals(4, 0.04, 10, 0.1, 20)));
    assertThat(s.samples())
        .extracting(ChartSample::timeMillis)
        .containsExactly(13_000L, 14_000L, 15_000L);
  }

  /** fsyncs, fsync seconds, applies, apply seconds (backend commits: half of each), requests. */
  private static MetricTotals totals(
      long fsyncs, double fsyncSeconds, long applies, double applySeconds, double requests) {
    return new MetricTotals(
        fsyncs, fsyncSeconds, applies, applySeconds / 2, applySeconds, requests);
  }

  @Test
  void snapshotShowsTheLeaderTheMembersTheirLagAndWhoDoesNotAnswer() throws Exception {
    // member 1 (this one) follows 2, which answers; 3 does not answer; 4 has published nothing
    List<Member> members =
        List.of(
            new Member(1, "a", List.of("http://p1"), List.of("http://c1"), false),
            new Member(2, "b", List.of("http://p2"), List.of("http://c2"), false),
            new Member(3, "c", List.of("http://p3"), List.of("http://c3"), false),
            new Member(4, "", List.of("http://p4"), List.of(), false));
    String name = InProcessServerBuilder.generateName();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new dev.raftkv.api.raftkvpb.AdminGrpc.AdminImplBase() {
                  @Override
                  public void status(
                      dev.raftkv.api.raftkvpb.MemberStatusRequest req,
                      StreamObserver<MemberStatus> out) {
                    out.onNext(
                        MemberStatus.newBuilder()
                            .setName("b")
                            .setId(2)
                            .setRole("leader")
                            .setTerm(5)
                            .setLeader(2)
                            .setCommit(120)
                            .setApplied(118)
                            .build());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    ManagedChannel up = InProcessChannelBuilder.forName(name).directExecutor().build();
    ManagedChannel down =
        InProcessChannelBuilder.forName(InProcessServerBuilder.generateName())
            .directExecutor()
            .build();
    try {
      PeerPoller poller = new PeerPoller(url -> url.equals("http://c2") ? up : down);
      AtomicLong now = new AtomicLong(50_000);
      Dashboard d =
          new Dashboard(
              new Dashboard.Source() {
                @Override
                public String name() {
                  return "a";
                }

                @Override
                public LocalStatus status() {
                  return new LocalStatus(1, "follower", 5, 2, 119, 100, false);
                }

                @Override
                public List<Member> members() {
                  return members;
                }

                @Override
                public MetricTotals totals() {
                  return DashboardTest.totals(0, 0, 0, 0, 0);
                }
              },
              poller,
              new LeaderTimeline(10),
              new ChartSampler(10),
              now::get);
      JsonNode before = JSON.readTree(JSON.writeValueAsString(d.snapshot(List.of())));
      assertThat(before.at("/members/2/reachable").isNull()).as("not asked yet").isTrue();
      assertThat(d.observe()).isTrue();
      d.poll().get(5, TimeUnit.SECONDS); // completes once every member answered or failed
      for (long id : new long[] {2, 3, 4}) {
        assertThat(poller.answer(id)).as("member %d's answer", id).isNotNull();
      }
      ChartSample point = new ChartSample(49_000, 3, 3, 7, Double.NaN, 0.5, 1.5);
      JsonNode snap = JSON.readTree(JSON.writeValueAsString(d.snapshot(List.of(point))));
      assertThat(snap.at("/self/name").asText()).isEqualTo("a");
      assertThat(snap.at("/leader/name").asText()).isEqualTo("b");
      assertThat(snap.at("/leader/id").asText()).isEqualTo("2");
      assertThat(snap.at("/term").asLong()).isEqualTo(5);
      List<String> rows = new ArrayList<>();
      for (JsonNode m : snap.get("members")) {
        rows.add(
            m.get("name").asText()
                + " reachable="
                + m.get("reachable").asText()
                + " role="
                + m.path("role").asText("-")
                + " lag="
                + m.get("lag").asText());
      }
      // the highest commit seen is b's 120: a applied 100, b 118
      assertThat(rows)
          .containsExactly(
              "4 reachable=false role=- lag=null",
              "a reachable=true role=follower lag=20",
              "b reachable=true role=leader lag=2",
              "c reachable=false role=- lag=null");
      assertThat(snap.at("/members/0/error").asText()).isEqualTo("no client URL published");
      assertThat(snap.at("/members/3/error").asText()).contains("UNAVAILABLE");
      assertThat(snap.at("/events/0/kind").asText()).isEqualTo("leader");
      assertThat(snap.at("/events/0/leaderName").asText()).isEqualTo("b");
      assertThat(snap.at("/samples/0/requests").asDouble()).isEqualTo(7);
      assertThat(snap.at("/samples/0/walFsyncMs").isNull()).as("NaN is null in JSON").isTrue();
      assertThat(snap.at("/samples/0/applyMs").asDouble()).isEqualTo(1.5);
    } finally {
      up.shutdownNow();
      down.shutdownNow();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anEventIsItsNameADataLinePerLineAndABlankLine() {
    assertThat(EventStream.frame("snapshot", "{\"a\":1}"))
        .isEqualTo("event: snapshot\ndata: {\"a\":1}\n\n");
    assertThat(EventStream.frame("x", "one\ntwo\r\nthree"))
        .isEqualTo("event: x\ndata: one\ndata: two\ndata: three\n\n");
  }
}

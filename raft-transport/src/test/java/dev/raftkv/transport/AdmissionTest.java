package dev.raftkv.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.transport.Admission.Facts;
import dev.raftkv.transport.Admission.Reason;
import dev.raftkv.transport.Handshake.Hello;
import dev.raftkv.transport.Handshake.Status;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every verdict of the admission rules, and which rule wins when several apply; no sockets. */
class AdmissionTest {

  private static final long CLUSTER = 0xC1;
  private static final long ME = 0x1A;
  private static final InetSocketAddress AT = InetSocketAddress.createUnresolved("10.0.0.2", 2380);

  /**
   * One case: what arrives, what the listener knows, and the expected verdict.
   *
   * @param name what the case shows
   * @param hello the opener's Hello
   * @param facts the listener's side: cluster {@link #CLUSTER}, member {@link #ME}, and the flags
   * @param reason the expected reason
   * @param status the expected status on the wire
   * @param detail the expected explanation
   */
  record Row(String name, Hello hello, Facts facts, Reason reason, Status status, String detail) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** The listener's facts: {@code detached}, sender {@code removed}, sender {@code listed}. */
  private static Facts facts(boolean detached, boolean removed, boolean listed) {
    return new Facts(CLUSTER, ME, detached, removed, listed);
  }

  private static final Facts PLAIN = facts(false, false, false);
  private static final Facts EVERYTHING = facts(true, true, true);

  static List<Row> rows() {
    return List.of(
        new Row(
            "a listed member is accepted",
            new Hello(CLUSTER, 2, ME, AT),
            facts(false, false, true),
            Reason.LISTED,
            Status.ACCEPTED,
            ""),
        new Row(
            "a member the peer map does not name is accepted, to be answered at its address",
            new Hello(CLUSTER, 2, ME, AT),
            PLAIN,
            Reason.UNLISTED,
            Status.ACCEPTED,
            ""),
        new Row(
            "so is one whose Hello gives no address",
            new Hello(CLUSTER, 2, ME),
            PLAIN,
            Reason.UNLISTED,
            Status.ACCEPTED,
            ""),
        new Row(
            "another cluster is refused",
            new Hello(0xBAD, 2, ME, AT),
            facts(false, false, true),
            Reason.WRONG_CLUSTER,
            Status.WRONG_CLUSTER,
            "member 1a is in cluster c1, not bad"),
        new Row(
            "another cluster wins over every other rule",
            new Hello(0xBAD, ME, 99, AT),
            EVERYTHING,
            Reason.WRONG_CLUSTER,
            Status.WRONG_CLUSTER,
            "member 1a is in cluster c1, not bad"),
        new Row(
            "a removed member is refused",
            new Hello(CLUSTER, 2, ME, AT),
            facts(false, true, false),
            Reason.REMOVED,
            Status.REMOVED,
            "member 2 was removed from cluster c1"),
        new Row(
            "removed wins over listed, a wrong target and detached",
            new Hello(CLUSTER, 0x2B, 99, AT),
            EVERYTHING,
            Reason.REMOVED,
            Status.REMOVED,
            "member 2b was removed from cluster c1"),
        new Row(
            "a sender claiming the listener's id is refused",
            new Hello(CLUSTER, ME, ME, AT),
            PLAIN,
            Reason.SELF,
            Status.UNKNOWN_MEMBER,
            "member 1a is this member"),
        new Row(
            "claiming the listener's id wins over a wrong target and detached",
            new Hello(CLUSTER, ME, 99, AT),
            facts(true, false, true),
            Reason.SELF,
            Status.UNKNOWN_MEMBER,
            "member 1a is this member"),
        new Row(
            "a connection meant for another member is refused",
            new Hello(CLUSTER, 2, 0x63, AT),
            facts(false, false, true),
            Reason.WRONG_MEMBER,
            Status.WRONG_MEMBER,
            "this address is member 1a, not member 63"),
        new Row(
            "a wrong target wins over detached",
            new Hello(CLUSTER, 2, 0x63, AT),
            facts(true, false, false),
            Reason.WRONG_MEMBER,
            Status.WRONG_MEMBER,
            "this address is member 1a, not member 63"),
        new Row(
            "a detached listener refuses a listed member",
            new Hello(CLUSTER, 2, ME, AT),
            facts(true, false, true),
            Reason.DETACHED,
            Status.DETACHED,
            "member 1a is detached"),
        new Row(
            "and an unlisted one",
            new Hello(CLUSTER, 2, ME, AT),
            facts(true, false, false),
            Reason.DETACHED,
            Status.DETACHED,
            "member 1a is detached"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void judges(Row row) {
    Admission.Verdict verdict = Admission.judge(row.hello(), row.facts());
    assertThat(verdict.reason()).isEqualTo(row.reason());
    assertThat(verdict.reply()).isEqualTo(new Handshake.Reply(row.status(), row.detail()));
    assertThat(verdict.accepted()).isEqualTo(row.status() == Status.ACCEPTED);
  }

  @Test
  void theTableReachesEveryReasonAndEveryStatus() {
    Set<Reason> reasons = rows().stream().map(Row::reason).collect(Collectors.toSet());
    assertThat(reasons).isEqualTo(EnumSet.allOf(Reason.class));
    Set<Status> statuses = rows().stream().map(Row::status).collect(Collectors.toSet());
    assertThat(statuses).isEqualTo(EnumSet.allOf(Status.class));
  }

  @Test
  void eachReasonAnswersWithItsStatus() {
    assertThat(Stream.of(Reason.values()).map(r -> r.status))
        .containsExactly(
            Status.ACCEPTED,
            Status.ACCEPTED,
            Status.WRONG_CLUSTER,
            Status.REMOVED,
            Status.UNKNOWN_MEMBER,
            Status.WRONG_MEMBER,
            Status.DETACHED);
  }
}

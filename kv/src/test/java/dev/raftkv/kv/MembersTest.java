package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembersTest {
  @TempDir Path tmp;

  private long index;

  private Entry conf(ConfChange.Type type, long id, String... peerUrls) {
    byte[] ctx = peerUrls.length == 0 ? new byte[0] : Members.encodeContext(List.of(peerUrls));
    return new Entry(1, ++index, EntryType.CONF_CHANGE, new ConfChange(type, id, ctx).encode());
  }

  private Entry op(Op op) {
    return new Entry(1, ++index, EntryType.NORMAL, KvCommands.encode(op));
  }

  @Test
  void membersFollowConfChangesPublicationsAndUpdates() {
    try (KvStateMachine sm = KvStateMachine.open(tmp.resolve("db"), KvOptions.DEFAULTS)) {
      sm.apply(
          List.of(
              conf(ConfChange.Type.ADD_VOTER, 1, "http://a:1"),
              conf(ConfChange.Type.ADD_VOTER, 2, "http://b:1"),
              op(new MemberPublishRequest(1, "n1", List.of("http://a:2"))),
              conf(ConfChange.Type.ADD_LEARNER, 3, "http://c:1")));
      assertThat(sm.store().members())
          .containsExactly(
              new Member(1, "n1", List.of("http://a:1"), List.of("http://a:2"), false),
              new Member(2, "", List.of("http://b:1"), List.of(), false),
              new Member(3, "", List.of("http://c:1"), List.of(), true));

      // Promotion keeps the URLs; a voter cannot become a learner (the core ignores that too).
      sm.apply(
          List.of(
              conf(ConfChange.Type.ADD_VOTER, 3),
              conf(ConfChange.Type.ADD_LEARNER, 1),
              conf(ConfChange.Type.REMOVE, 2),
              op(new MemberPublishRequest(2, "late", List.of("http://b:2")))));
      assertThat(sm.store().member(3))
          .isEqualTo(new Member(3, "", List.of("http://c:1"), List.of(), false));
      assertThat(sm.store().member(1).learner()).isFalse();
      assertThat(sm.store().member(2)).isNull();
      assertThat(sm.store().removedMembers()).containsExactly(2L);

      sm.apply(List.of(op(new MemberUpdateRequest(3, List.of("http://c:9")))));
      assertThat(sm.store().member(3).peerUrls()).containsExactly("http://c:9");
      assertThat(
              sm.apply(List.of(op(new MemberUpdateRequest(3, List.of("http://a:1")))))
                  .get(0)
                  .results()
                  .get(0)
                  .error()
                  .code())
          .isEqualTo(KvException.Code.PEER_URL_EXISTS);
      assertThat(
              sm.apply(List.of(op(new MemberUpdateRequest(2, List.of("http://x:1")))))
                  .get(0)
                  .results()
                  .get(0)
                  .error()
                  .code())
          .isEqualTo(KvException.Code.MEMBER_NOT_FOUND);
    }
  }

  @Test
  void membersSurviveARestartAndTravelInSnapshots() {
    byte[] snap;
    try (KvStateMachine sm = KvStateMachine.open(tmp.resolve("db"), KvOptions.DEFAULTS)) {
      sm.apply(
          List.of(
              conf(ConfChange.Type.ADD_VOTER, 1, "http://a:1"),
              op(new MemberPublishRequest(1, "n1", List.of("http://a:2"))),
              conf(ConfChange.Type.ADD_VOTER, 5, "http://e:1"),
              conf(ConfChange.Type.REMOVE, 5)));
      snap = sm.snapshot();
    }
    Member n1 = new Member(1, "n1", List.of("http://a:1"), List.of("http://a:2"), false);
    try (KvStateMachine sm = KvStateMachine.open(tmp.resolve("db"), KvOptions.DEFAULTS)) {
      assertThat(sm.store().members()).containsExactly(n1);
    }
    try (KvStateMachine other = KvStateMachine.open(tmp.resolve("other"), KvOptions.DEFAULTS)) {
      other.restore(
          new Snapshot(new SnapshotMetadata(index, 1, new ConfState(Set.of(1L), Set.of())), snap));
      assertThat(other.store().members()).containsExactly(n1);
      assertThat(other.store().removedMembers()).containsExactly(5L);
    }
  }

  @Test
  void contextsRoundTripAndBadOnesAreNamed() {
    assertThat(Members.decodeContext(Members.encodeContext(List.of("http://a:1", "http://b:2"))))
        .containsExactly("http://a:1", "http://b:2");
    assertThat(Members.decodeContext(new byte[0])).isEmpty();
    assertThatThrownBy(() -> Members.decodeContext(new byte[] {9}))
        .hasMessageContaining("unknown member context version 9");
    assertThatThrownBy(() -> Members.decodeContext(new byte[] {1, 0}))
        .hasMessageContaining("truncated member context");
  }

  @Test
  void memberOpsRoundTripThroughTheCommandEncoding() {
    Op p = new MemberPublishRequest(7, "n7", List.of("http://x:1", "http://y:1"));
    Op u = new MemberUpdateRequest(7, List.of("http://z:1"));
    assertThat(KvCommands.decode(KvCommands.encode(p))).isEqualTo(p);
    assertThat(KvCommands.decode(KvCommands.encode(u))).isEqualTo(u);
  }
}

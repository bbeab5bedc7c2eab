package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangesTest extends StoreFixture {

  @Test
  void changesReplayTheEventsOfApply() {
    List<Event> applied = new ArrayList<>();
    for (long i = 1; i <= 60; i++) {
      applied.addAll(store.apply(++index, Workload.entry(i)).events());
    }
    List<Event> replayed = new ArrayList<>();
    long from = 1;
    while (true) {
      Changes c = store.changes(from, 7, true);
      replayed.addAll(c.events());
      from = c.nextRevision();
      if (c.caughtUp()) {
        break;
      }
      assertThat(c.events()).hasSizeGreaterThanOrEqualTo(7);
    }
    assertThat(replayed).isEqualTo(applied);
    assertThat(store.changes(store.revision() + 1, 10, false).events()).isEmpty();
  }

  @Test
  void anEventsPrevKvIsTheKeyBeforeTheRevisionEvenWhenTheTxnWroteItFirst() {
    // etcd looks prev_kv up at the event's revision - 1, so a key a txn puts and then deletes
    // (allowed with a from-key delete) has no prev_kv on its delete, live or replayed (found by the
    // differential test against etcd 3.4)
    put("b", "1");
    long rev = store.revision() + 1;
    List<Event> live =
        store
            .apply(
                ++index,
                List.of(
                    new Txn(
                        List.of(),
                        List.of(
                            Put.of("e", "1"),
                            Put.of("b", "2"),
                            new DeleteRange(b("a"), Bytes.FROM_KEY, false)),
                        List.of())))
            .events();
    assertThat(live).hasSize(4);
    assertThat(live.get(2).kv().key()).isEqualTo(b("b"));
    assertThat(live.get(2).type()).isEqualTo(Event.Type.DELETE);
    assertThat(live.get(2).prevKv().value()).as("b before the txn").isEqualTo(b("1"));
    assertThat(live.get(3).kv().key()).isEqualTo(b("e"));
    assertThat(live.get(3).prevKv()).as("e did not exist before the txn").isNull();
    assertThat(store.changes(rev, 10, true).events()).isEqualTo(live);
  }

  @Test
  void aSliceNeverSplitsARevision() {
    put("a", "1"); // 2
    ok(
        new Txn(
            List.of(),
            List.of(Put.of("b", "1"), Put.of("c", "1"), Put.of("d", "1")),
            List.of())); // 3
    put("e", "1"); // 4
    Changes c = store.changes(2, 2, false);
    assertThat(c.events()).extracting(e -> e.kv().modRevision()).containsExactly(2L, 3L, 3L, 3L);
    assertThat(c.nextRevision()).isEqualTo(4);
    assertThat(c.events().get(0).prevKv()).isNull();
  }

  @Test
  void changesBelowTheCompactedRevisionAreGone() {
    put("a", "1");
    put("a", "2");
    put("a", "3");
    ok(new Compact(3));
    assertThatThrownBy(() -> store.changes(2, 10, false))
        .isInstanceOf(KvException.class)
        .hasMessage("mvcc: required revision has been compacted");
    assertThat(store.changes(4, 10, true).events().get(0).prevKv().value()).isEqualTo(b("2"));
  }
}

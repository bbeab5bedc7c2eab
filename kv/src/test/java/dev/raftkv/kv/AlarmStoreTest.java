package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The replicated alarms (etcd's alarm store) and the capped applier while NOSPACE is raised. */
class AlarmStoreTest extends StoreFixture {
  private static final long M1 = 0x8e9e05c52164694dL; // a negative id: ordered as unsigned
  private static final long M2 = 2;

  private AlarmRequest.Result alarm(AlarmRequest.Action action, long member, AlarmType type) {
    return (AlarmRequest.Result) ok(new AlarmRequest(action, member, type));
  }

  @Test
  void activateListsDeactivateAsEtcd() {
    assertThat(alarm(AlarmRequest.Action.GET, 0, AlarmType.NONE).alarms()).isEmpty();
    AlarmMember a1 = new AlarmMember(M1, AlarmType.NOSPACE);
    AlarmMember a2 = new AlarmMember(M2, AlarmType.NOSPACE);
    AlarmMember c2 = new AlarmMember(M2, AlarmType.CORRUPT);
    assertThat(alarm(AlarmRequest.Action.ACTIVATE, M1, AlarmType.NOSPACE).alarms())
        .containsExactly(a1);
    assertThat(alarm(AlarmRequest.Action.ACTIVATE, M1, AlarmType.NOSPACE).alarms())
        .as("activating again answers the alarm raised before")
        .containsExactly(a1);
    alarm(AlarmRequest.Action.ACTIVATE, M2, AlarmType.CORRUPT);
    alarm(AlarmRequest.Action.ACTIVATE, M2, AlarmType.NOSPACE);
    assertThat(alarm(AlarmRequest.Action.GET, 0, AlarmType.NONE).alarms())
        .containsExactly(a2, a1, c2);
    assertThat(alarm(AlarmRequest.Action.GET, 0, AlarmType.CORRUPT).alarms()).containsExactly(c2);
    assertThat(store.alarms()).containsExactly(a2, a1, c2);
    assertThat(alarm(AlarmRequest.Action.DEACTIVATE, M2, AlarmType.NOSPACE).alarms())
        .containsExactly(a2);
    assertThat(alarm(AlarmRequest.Action.DEACTIVATE, M2, AlarmType.NOSPACE).alarms())
        .as("not raised: nothing disarmed")
        .isEmpty();
    assertThat(store.alarms()).containsExactly(a1, c2);
    assertThat(store.revision()).as("alarms never change the revision").isEqualTo(1);
  }

  @Test
  void noSpaceRefusesPutsTxnsWithPutsAndGrantsUntilDisarmed() {
    put("a", "1");
    long lease = 0x77;
    alarm(AlarmRequest.Action.ACTIVATE, M1, AlarmType.NOSPACE);
    assertThat(store.noSpaceAlarm()).isTrue();
    assertThat(refused(Put.of("b", "2")).code()).isEqualTo(KvException.Code.NO_SPACE);
    assertThat(refused(Put.of("b", "2")).getMessage())
        .isEqualTo("etcdserver: mvcc: database space exceeded");
    assertThat(refused(new LeaseGrantRequest(lease, 60)).code())
        .isEqualTo(KvException.Code.NO_SPACE);
    Txn withPut = new Txn(List.of(), List.of(), List.of(Put.of("c", "3")));
    assertThat(refused(withPut).code()).isEqualTo(KvException.Code.NO_SPACE);
    // reads, deletes, read-only txns and compaction still work
    Txn readOnly = new Txn(List.of(), List.of(Range.get(b("a"))), List.of());
    assertThat(applyOne(readOnly).isOk()).isTrue();
    assertThat(get("a")).isNotNull();
    long rev = store.revision();
    assertThat(delete("a").deleted()).isEqualTo(1);
    ok(new Compact(rev));
    assertThat(store.compactedRevision()).isEqualTo(rev);

    alarm(AlarmRequest.Action.DEACTIVATE, M1, AlarmType.NOSPACE);
    assertThat(store.noSpaceAlarm()).isFalse();
    put("b", "2");
    assertThat(get("b")).isNotNull();
  }

  @Test
  void alarmsSurviveARestartAndACheckpoint() {
    alarm(AlarmRequest.Action.ACTIVATE, M1, AlarmType.NOSPACE);
    alarm(AlarmRequest.Action.ACTIVATE, M2, AlarmType.CORRUPT);
    store.checkpoint(tmp.resolve("cp"));
    store.close();
    store = KvStore.open(tmp.resolve("db"));
    assertThat(store.alarms())
        .containsExactly(
            new AlarmMember(M1, AlarmType.NOSPACE), new AlarmMember(M2, AlarmType.CORRUPT));
    assertThat(store.noSpaceAlarm()).isTrue();
    try (KvStore cp = KvStore.open(tmp.resolve("cp"))) {
      assertThat(cp.alarms()).isEqualTo(store.alarms());
    }
  }

  @Test
  void quotaSizeFollowsTheDataWritten() {
    long before = store.quotaSize();
    for (int i = 0; i < 100; i++) {
      put("k" + i, "v".repeat(10_000));
    }
    // measured at most 50 ms of applying ago: one more apply call after the wait measures it
    long deadline = System.nanoTime() + 60_000_000L;
    while (System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    put("last", "x");
    assertThat(store.quotaSize()).isGreaterThan(before + 1_000_000);
  }
}

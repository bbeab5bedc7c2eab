package dev.raftkv.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.cli.chaos.AckedWritesCheck.Version;
import dev.raftkv.testkit.lin.Op;
import dev.raftkv.testkit.lin.OpKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AckedWritesCheckTest {
  private final List<Op> history = new ArrayList<>();

  /** The store's history: key -> revision -> version as of it. */
  private final Map<String, Map<Long, Version>> store = new HashMap<>();

  private long time;

  private void put(String key, String value, long rev, boolean ok) {
    Op op = Op.invoke(history.size() + 1, 0, OpKind.PUT, key, value, null, -1, time++);
    history.add(ok ? op.completeWrite(time++, false, rev) : op);
  }

  private void storeHas(String key, long rev, String value, long modRev) {
    store.computeIfAbsent(key, k -> new HashMap<>()).put(rev, new Version(value, modRev));
  }

  private List<String> check(Map<String, Version> finalState) throws Exception {
    return AckedWritesCheck.check(history, finalState, (k, r) -> store.get(k).get(r));
  }

  @Test
  void writesPresentOrOverwrittenByAnotherWritePass() throws Exception {
    put("k", "a", 2, true);
    put("k", "b", 3, false); // unknown outcome, took effect
    storeHas("k", 2, "a", 2);
    assertThat(check(Map.of("k", new Version("b", 3)))).isEmpty();
  }

  @Test
  void aWriteMissingFromTheFinalStateIsLost() throws Exception {
    put("k", "a", 2, true);
    put("k", "b", 5, true);
    storeHas("k", 2, "a", 2);
    storeHas("k", 5, "b", 5);
    assertThat(check(Map.of("k", new Version("a", 2))))
        .singleElement()
        .asString()
        .contains("\"b\"", "is lost", "final mod revision is 2");
  }

  @Test
  void aWriteNotAtItsRevisionIsReported() throws Exception {
    put("k", "a", 2, true);
    storeHas("k", 2, "z", 1);
    put("k", "z", 1, false);
    assertThat(check(Map.of("k", new Version("a", 2))))
        .singleElement()
        .asString()
        .contains("not in the store's history", "holds \"z\" from revision 1");
  }

  @Test
  void aFinalValueNobodyWroteIsReported() throws Exception {
    put("k", "a", 2, true);
    storeHas("k", 2, "a", 2);
    assertThat(check(Map.of("k", new Version("ghost", 7))))
        .singleElement()
        .asString()
        .contains("\"ghost\"", "which no operation wrote");
  }

  @Test
  void aKeyThatCouldNotBeReadIsNotCalledLost() throws Exception {
    put("k", "a", 2, true);
    storeHas("k", 2, "a", 2);
    assertThat(check(Map.of())).isEmpty();
  }

  @Test
  void anAbsentKeyLosesEveryAcknowledgedWrite() throws Exception {
    put("k", "a", 2, true);
    Map<String, Version> finalState = new HashMap<>();
    finalState.put("k", null);
    assertThat(check(finalState)).singleElement().asString().contains("none (absent)");
  }
}

package dev.raftkv.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.testkit.lin.Op;
import dev.raftkv.testkit.lin.OpKind;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StaleReadsTest {
  private static Op put(long id, long invoke, long complete, long rev) {
    return Op.invoke(id, 0, OpKind.PUT, "k", "v" + id, null, -1, invoke)
        .completeWrite(complete, false, rev);
  }

  private static Op get(long id, long invoke, long complete, long rev) {
    return Op.invoke(id, 1, OpKind.GET, "x", null, null, -1, invoke)
        .completeGet(complete, null, -1, -1, -1, rev);
  }

  @Test
  void aReadBelowARevisionAlreadyReturnedIsStaleAndAttributedToItsFault() {
    List<Op> history =
        List.of(
            put(1, 0, 10, 5),
            get(2, 5, 20, 4), // concurrent with the put: not stale
            get(3, 11, 20, 4), // after the put completed: stale, from member 3 while isolated
            get(4, 30, 40, 4), // stale, from member 2 (not cut off)
            get(5, 50, 60, 5)); // fresh
    Map<Long, Integer> memberOf = Map.of(2L, 3, 3L, 3, 4L, 2, 5L, 3);
    List<FaultWindow> windows = List.of(new FaultWindow("isolate member 3", Set.of(3), 8, 25));
    StaleReads.Count c = StaleReads.count(history, memberOf, windows);
    assertThat(c.total()).isEqualTo(2);
    assertThat(c.fromCutOff()).isEqualTo(1);
    assertThat(c.firstNanos()).isEqualTo(11);
  }

  @Test
  void noStaleReadsInAFreshHistory() {
    List<Op> history = List.of(put(1, 0, 10, 5), get(2, 11, 20, 5), get(3, 21, 22, 6));
    assertThat(StaleReads.count(history, Map.of(), List.of()))
        .isEqualTo(new StaleReads.Count(0, 0, -1));
  }
}

package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Small histories written by hand, each named for what it shows. */
class HandMadeHistoriesTest {
  private static final Duration BUDGET = Duration.ofSeconds(5);

  private static CheckResult check(H h) {
    return LinearizabilityChecker.check(h.ops(), BUDGET);
  }

  private static CheckResult assertLinearizable(H h) {
    CheckResult r = check(h);
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.LINEARIZABLE);
    return r;
  }

  private static Violation assertViolation(H h) {
    CheckResult r = check(h);
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.describe()).startsWith("NOT LINEARIZABLE");
    return r.violation();
  }

  private static List<Long> ids(Violation v) {
    return v.involved().stream().map(i -> i.op().id()).toList();
  }

  @Nested
  class Linearizable {
    @Test
    void emptyHistory() {
      assertThat(LinearizabilityChecker.check(List.of(), BUDGET).describe())
          .startsWith("LINEARIZABLE: 0 operations on 0 keys");
    }

    @Test
    void sequentialPutGetDeleteGetWithRevisions() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.get(0, "k", 20, 30, "a", 2, 1, 2);
      h.put(0, "k", "b", 40, 50, 3);
      h.get(0, "k", 60, 70, "b", 3, 2, 3);
      h.delete(0, "k", 80, 90, true, 4);
      h.get(0, "k", 100, 110, null, -1, -1, 4);
      h.delete(0, "k", 120, 130, false, 4);
      assertLinearizable(h);
    }

    @Test
    void readsConcurrentWithAWriteMaySeeEitherValue() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.put(0, "k", "b", 20, 40);
      h.get(1, "k", 25, 35, "a");
      h.get(2, "k", 25, 35, "b");
      h.get(3, "k", 15, 45, "a");
      assertLinearizable(h);
    }

    @Test
    void touchingIntervalsAreConcurrent() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.get(1, "k", 10, 20, null); // invoked the instant the put returned
      assertLinearizable(h);
    }

    @Test
    void unknownWriteTakesEffectLongAfterTheClientGaveUp() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.putUnknown(1, "k", "b", 20);
      h.get(2, "k", 100, 110, "a", 2, 1, 2);
      h.get(2, "k", 200, 210, "b", 9, 2, 9); // its revision is learned here
      h.casModRev(2, "k", 9, "c", 220, 230, true, 10);
      assertLinearizable(h);
    }

    @Test
    void unknownWriteThatNeverTakesEffect() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.putUnknown(1, "k", "b", 20);
      h.deleteUnknown(1, "k", 21);
      h.get(2, "k", 100, 110, "a", 2, 1, 2);
      h.get(2, "k", 200, 210, "a", 2, 1, 5);
      assertLinearizable(h);
    }

    @Test
    void failedWriteIsIgnoredAndUnknownGetIsDropped() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.putFailed(1, "k", "b", 20, 30);
      h.add(Op.invoke(99, 1, OpKind.GET, "k", null, null, -1, 35));
      h.get(2, "k", 40, 50, "a");
      assertLinearizable(h);
    }

    @Test
    void concurrentCompareAndSetOnModRevisionOneWins() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.casModRev(1, "k", 2, "b", 20, 40, true, 3);
      h.casModRev(2, "k", 2, "c", 20, 40, false, 3);
      h.get(3, "k", 50, 60, "b", 3, 2, 3);
      assertLinearizable(h);
    }

    @Test
    void createIfAbsentAndCompareOnValue() {
      H h = new H();
      h.casModRev(0, "k", 0, "a", 0, 10, true, 2);
      h.casModRev(1, "k", 0, "x", 20, 30, false, 2);
      h.casValue(1, "k", "a", "b", 40, 50, true, 3);
      h.casValue(0, "k", "a", "c", 60, 70, false, 3);
      h.get(0, "k", 80, 90, "b", 3, 2, 3);
      assertLinearizable(h);
    }

    @Test
    void unknownCompareAndSetOnAnUnknownRevision() {
      H h = new H();
      h.putUnknown(0, "k", "a", 0);
      h.casModRevUnknown(1, "k", 7, "b", 5); // took effect iff a's revision was 7
      h.get(2, "k", 100, 110, "b", 8, 2, 8);
      assertLinearizable(h);
    }

    @Test
    void independentKeysWithConsistentRevisions() {
      H h = new H();
      h.put(0, "x", "a", 0, 10, 2);
      h.put(1, "y", "b", 5, 15, 3);
      h.get(0, "x", 20, 30, "a", 2, 1, 3);
      h.get(1, "y", 20, 30, "b", 3, 1, 3);
      assertLinearizable(h);
    }
  }

  @Nested
  class NotLinearizable {
    @Test
    void staleRead() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.put(0, "k", "b", 20, 30);
      Op stale = h.get(1, "k", 40, 50, "a");
      Violation v = assertViolation(h);
      assertThat(v.key()).isEqualTo("k");
      assertThat(v.blocked()).isEqualTo(stale);
      assertThat(ids(v)).containsExactly(stale.id());
      assertThat(v.involved().get(0).reason()).isEqualTo("get read \"a\" but the key holds \"b\"");
    }

    @Test
    void staleReadWithAnOlderHeaderRevision() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.put(0, "k", "b", 20, 30, 3);
      Op stale = h.get(1, "k", 40, 50, "a", 2, 1, 2); // a lagging member answered
      Violation v = assertViolation(h);
      assertThat(v.key()).isNull();
      assertThat(v.summary()).startsWith("revision went backwards");
      assertThat(ids(v)).containsExactly(2L, stale.id());
    }

    @Test
    void staleReadWithAFreshHeaderRevision() {
      H h = new H(); // the get may precede the put of b by its value, not by its revision 3
      h.put(0, "k", "a", 0, 10, 2);
      Op b = h.put(0, "k", "b", 20, 100, 3);
      Op stale = h.get(1, "k", 30, 40, "a", 2, 1, 3);
      Violation v = assertViolation(h);
      assertThat(v.summary())
          .isEqualTo("a get read an older version of the key than its header revision shows");
      assertThat(ids(v)).containsExactly(b.id(), stale.id());
    }

    @Test
    void lostWrite() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.get(1, "k", 20, 30, null); // the acknowledged write is gone
      Violation v = assertViolation(h);
      assertThat(v.involved().get(0).reason())
          .isEqualTo("get found the key absent but it holds \"a\"");
    }

    @Test
    void readOfAValueNeverWritten() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      Op bad = h.get(1, "k", 5, 30, "zz");
      Violation v = assertViolation(h);
      assertThat(v.summary()).isEqualTo("a get read a value never written");
      assertThat(ids(v)).containsExactly(bad.id());
    }

    @Test
    void writeTookEffectTwice() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.casValue(1, "k", "a", "b", 20, 30, true, -1);
      h.casValue(2, "k", "a", "c", 40, 50, true, -1); // only if "a" was written again
      assertViolation(h);
    }

    @Test
    void twoWritesWithOneRevision() {
      H h = new H();
      h.put(0, "x", "a", 0, 10, 5);
      h.put(1, "y", "a", 0, 10, 5);
      Violation v = assertViolation(h);
      assertThat(v.summary()).startsWith("two writes got revision 5");
    }

    @Test
    void compareAndSetSucceededAgainstAWrongValue() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.put(0, "k", "b", 20, 30);
      Op cas = h.casValue(1, "k", "a", "c", 40, 50, true, -1);
      Violation v = assertViolation(h);
      assertThat(v.involved().get(0).op()).isEqualTo(cas);
      assertThat(v.involved().get(0).reason()).startsWith("cas on value \"a\" succeeded");
    }

    @Test
    void compareAndSetSucceededAgainstAnOldModRevision() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.put(0, "k", "b", 20, 30, 3);
      h.casModRev(1, "k", 2, "c", 40, 50, true, 4);
      assertViolation(h);
    }

    @Test
    void compareAndSetFailedThoughTheCompareHeld() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.casModRev(1, "k", 2, "c", 40, 50, false, 2);
      assertViolation(h);
    }

    @Test
    void revisionGoingBackwardsAcrossKeys() {
      H h = new H();
      h.put(0, "x", "a", 0, 10, 5);
      Op read = h.get(1, "y", 20, 30, null, -1, -1, 3);
      Violation v = assertViolation(h);
      assertThat(v.summary())
          .isEqualTo(
              "revision went backwards: an operation after revision 5 was returned got revision"
                  + " 3");
      assertThat(ids(v)).containsExactly(1L, read.id());
    }

    @Test
    void writesObservedInAnOrderTheirRevisionsContradict() {
      H h = new H(); // value-wise fine (b then a); revision-wise a (5) is before b (6)
      h.put(0, "k", "a", 0, 100, 5);
      h.put(1, "k", "b", 0, 100, 6);
      h.get(2, "k", 10, 20, "b", 6, -1, 6);
      h.get(2, "k", 30, 40, "a", 5, -1, 6);
      assertViolation(h);
    }

    @Test
    void valueFlipsBackDuringAConcurrentWrite() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.put(0, "k", "b", 20, 100);
      h.get(1, "k", 25, 30, "b");
      h.get(1, "k", 35, 40, "a");
      assertViolation(h);
    }

    @Test
    void unknownWriteObservedThenUnobserved() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.putUnknown(1, "k", "b", 20);
      h.get(2, "k", 30, 40, "b");
      h.get(2, "k", 50, 60, "a");
      assertViolation(h);
    }

    @Test
    void deletedKeyReappears() {
      H h = new H();
      h.put(0, "k", "a", 0, 10);
      h.delete(0, "k", 20, 30, true, -1);
      h.get(1, "k", 40, 50, "a");
      assertViolation(h);
    }

    @Test
    void versionCountsAWriteTwice() {
      H h = new H();
      h.put(0, "k", "a", 0, 10, 2);
      h.get(0, "k", 20, 30, "a", 2, 2, 2); // version 2 after one put
      assertViolation(h);
    }

    @Test
    void theSmallestFailingKeyIsReportedWithItsOperations() {
      H h = new H();
      for (int i = 0; i < 6; i++) { // a bigger failing key
        h.put(0, "big", "v" + i, 10L * i, 10 * i + 5);
      }
      h.get(0, "big", 100, 105, "v0");
      h.put(1, "small", "a", 0, 10);
      h.put(1, "small", "b", 20, 30);
      h.get(1, "small", 40, 50, "a");
      h.put(2, "fine", "x", 0, 10);
      CheckResult r = check(h);
      assertThat(r.violation().key()).isEqualTo("small");
      String text = r.describe();
      assertThat(text)
          .isEqualTo(
              String.join(
                  "\n",
                  "NOT LINEARIZABLE: key \"small\" (11 operations on 3 keys, "
                      + text.substring(text.indexOf("checked in"), text.indexOf(" s)") + 2)
                      + ")",
                  "  no linearization of the 3 operations on this key: after the longest"
                      + " linearizable prefix (2 operations) nothing fits before #10 returned",
                  "  Longest linearizable prefix: 2 operations:",
                  "    #8 c1 put small=\"a\" [0..10] ok",
                  "    #9 c1 put small=\"b\" [20..30] ok",
                  "  State after it: \"b\" mod=?(>=2) create=? ver=2, last write at revision >= 2",
                  "  Must come next (it returned before any other order worked): #10 c1 get"
                      + " small [40..50] ok -> \"a\"",
                  "  None of the operations that could come next fits:",
                  "    #10 c1 get small [40..50] ok -> \"a\"",
                  "      get read \"a\" but the key holds \"b\"",
                  ""));
    }
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A range's limit is the client's long: the largest ones (etcdctl's {@code --limit=
 * 9223372036854775807}) mean "every key", as in etcd, at the current revision (key index) and at a
 * named one (stored history), sorted or not.
 */
class RangeLimitTest extends StoreFixture {
  private static final List<String> ALL = List.of("a", "b", "c");

  private void threeKeys() {
    for (String k : ALL) {
      put(k, "v" + k);
    }
  }

  @Test
  void theLargestLimitReturnsEveryKeyAtTheCurrentRevision() {
    threeKeys();
    for (long limit : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, 3, 4}) {
      Range.Result r = store.range(Range.range(b("a"), Bytes.FROM_KEY).withLimit(limit));
      assertThat(keys(r)).as("limit %d", limit).isEqualTo(ALL);
      assertThat(r.count()).isEqualTo(3);
      assertThat(r.more()).isFalse();
    }
  }

  @Test
  void theLargestLimitReturnsEveryKeyAtANamedRevision() {
    threeKeys();
    long rev = store.revision();
    Range.Result r =
        store.range(Range.range(b("a"), Bytes.FROM_KEY).withLimit(Long.MAX_VALUE).atRevision(rev));
    assertThat(keys(r)).isEqualTo(ALL);
    assertThat(r.more()).isFalse();
  }

  @Test
  void theLargestLimitWithKeysOnlyOrSortingReturnsEveryKey() {
    threeKeys();
    Range base = Range.range(b("a"), Bytes.FROM_KEY).withLimit(Long.MAX_VALUE);
    assertThat(keys(store.range(base.keysOnly(true)))).isEqualTo(ALL);
    assertThat(keys(store.range(base.sorted(Range.SortTarget.KEY, Range.SortOrder.DESCEND))))
        .containsExactly("c", "b", "a");
  }

  @Test
  void keepNeverOverflows() {
    Range r = Range.range(b("a"), Bytes.FROM_KEY);
    assertThat(Ranges.keep(r.withLimit(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    assertThat(Ranges.keep(r.withLimit(Long.MAX_VALUE - 1))).isEqualTo(Long.MAX_VALUE);
    assertThat(Ranges.keep(r.withLimit(5))).isEqualTo(6);
    assertThat(Ranges.keep(r.withLimit(0))).isEqualTo(Long.MAX_VALUE);
    assertThat(Ranges.keep(r.withLimit(-1))).isEqualTo(Long.MAX_VALUE);
  }
}

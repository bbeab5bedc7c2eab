package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemoryStorageTest {
  private static Entry e(long index, long term) {
    return Entry.normal(term, index, new byte[] {(byte) index});
  }

  private final MemoryStorage s = new MemoryStorage(ConfState.ofVoters(Set.of(1L)));

  @Test
  void appendTruncatesAConflictingSuffix() {
    s.append(List.of(e(1, 1), e(2, 1), e(3, 1)));
    s.append(List.of(e(2, 2)));
    assertThat(s.lastIndex()).isEqualTo(2);
    assertThat(s.term(2)).isEqualTo(2);
    assertThatThrownBy(() -> s.append(List.of(e(5, 2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gap");
  }

  @Test
  void entriesRespectTheByteBudgetButReturnAtLeastOne() {
    s.append(List.of(e(1, 1), e(2, 1), e(3, 1)));
    assertThat(s.entries(1, 4, 1)).hasSize(1);
    assertThat(s.entries(1, 4, Long.MAX_VALUE)).hasSize(3);
    assertThatThrownBy(() -> s.entries(1, 5, 100)).isInstanceOf(UnavailableException.class);
  }

  @Test
  void compactionKeepsTheTermOfTheLastCompactedEntry() {
    s.append(List.of(e(1, 1), e(2, 1), e(3, 2)));
    s.compact(2);
    assertThat(s.firstIndex()).isEqualTo(3);
    assertThat(s.term(2)).isEqualTo(1);
    assertThatThrownBy(() -> s.term(1)).isInstanceOf(CompactedException.class);
    assertThatThrownBy(() -> s.entries(2, 4, 100))
        .isInstanceOf(CompactedException.class)
        .hasMessageContaining("first available index is 3");
  }

  @Test
  void compactionFoldsCompactedMembershipChangesIntoTheStartingMembership() {
    // Regression: a restarted node whose bootstrap entries were compacted away started with
    // no voters at all and never campaigned (found by RuntimeSchedule seed 150).
    MemoryStorage boot = MemoryStorage.bootstrap(Set.of(1L, 2L, 3L));
    boot.append(
        List.of(
            new Entry(
                1, 4, EntryType.CONF_CHANGE, new ConfChange(ConfChange.Type.REMOVE, 3).encode()),
            e(5, 1)));
    boot.compact(4);
    assertThat(boot.initialState().conf().voters()).containsExactlyInAnyOrder(1L, 2L);
  }
}

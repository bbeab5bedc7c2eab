package dev.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RaftLogTest {
  private static Entry e(long index, long term) {
    return Entry.normal(term, index, null);
  }

  private static RaftLog logWithTerms(long... terms) {
    MemoryStorage s = new MemoryStorage(ConfState.ofVoters(Set.of(1L)));
    RaftLog log = new RaftLog(s);
    for (int i = 0; i < terms.length; i++) {
      log.append(List.of(e(i + 1, terms[i])));
    }
    return log;
  }

  @Test
  void maybeAppendRejectsAMismatchAndTruncatesAtTheFirstConflict() {
    RaftLog log = logWithTerms(1, 1, 2, 2);
    assertThat(log.maybeAppend(2, 2, 0, List.of(e(3, 3))))
        .as("term at 2 is 1, not 2")
        .isEqualTo(-1);
    assertThat(log.maybeAppend(2, 1, 3, List.of(e(3, 3)))).isEqualTo(3);
    assertThat(log.lastIndex()).isEqualTo(3);
    assertThat(log.term(3)).isEqualTo(3);
    assertThat(log.committed()).isEqualTo(3);
  }

  @Test
  void aStaleAppendDoesNotTruncateMatchingEntries() {
    RaftLog log = logWithTerms(1, 1, 1);
    assertThat(log.maybeAppend(0, 0, 0, List.of(e(1, 1)))).isEqualTo(1);
    assertThat(log.lastIndex()).isEqualTo(3);
  }

  @Test
  void overwritingACommittedEntryIsRefused() {
    RaftLog log = logWithTerms(1, 1);
    log.commitTo(2);
    assertThatThrownBy(() -> log.maybeAppend(1, 1, 2, List.of(e(2, 2))))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void findConflictByTermSkipsWholeTerms() {
    RaftLog log = logWithTerms(1, 1, 1, 4, 4, 5, 5);
    assertThat(log.findConflictByTerm(7, 3)).isEqualTo(new RaftLog.Position(3, 1));
    assertThat(log.findConflictByTerm(7, 4)).isEqualTo(new RaftLog.Position(5, 4));
    assertThat(log.findConflictByTerm(20, 9)).isEqualTo(new RaftLog.Position(7, 5));
    assertThat(log.findConflictByTerm(7, 0)).isEqualTo(new RaftLog.Position(0, 0));
  }

  @Test
  void committedEntriesAreHandedOutOnlyOnceDurable() {
    RaftLog log = logWithTerms(1, 1);
    log.commitTo(2);
    assertThat(log.hasNextCommitted()).as("nothing is stable yet").isFalse();
    MemoryStorage s = (MemoryStorage) log.storage();
    s.append(log.unstableEntries().subList(0, 1));
    log.stableTo(1, 1);
    assertThat(log.nextCommitted(Long.MAX_VALUE)).extracting(Entry::index).containsExactly(1L);
  }

  @Test
  void isUpToDateComparesLastTermThenLength() {
    RaftLog log = logWithTerms(1, 2, 2);
    assertThat(log.isUpToDate(1, 3)).isTrue();
    assertThat(log.isUpToDate(3, 2)).isTrue();
    assertThat(log.isUpToDate(2, 2)).isFalse();
    assertThat(log.isUpToDate(9, 1)).isFalse();
  }
}

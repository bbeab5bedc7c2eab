package dev.raftkv.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.MemoryStorage;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import dev.raftkv.raft.UnavailableException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How the leader's view of its store reads referenced snapshots for followers, a chunk at a time.
 */
class SnapshotSendingTest {
  private final List<Long> opened = new ArrayList<>();
  private final List<Long> closed = new ArrayList<>();
  private boolean failReads;

  /** A machine whose snapshots are 1-byte references to 100 bytes of the index's value. */
  private final StateMachine machine =
      new StateMachine() {
        @Override
        public List<?> apply(List<Entry> entries) {
          return List.of();
        }

        @Override
        public long appliedIndex() {
          return 0;
        }

        @Override
        public byte[] snapshot() {
          return new byte[0];
        }

        @Override
        public void restore(Snapshot snapshot) {}

        @Override
        public boolean isSnapshotReference(byte[] data) {
          return data.length == 1;
        }

        @Override
        public SnapshotSource snapshotSource(Snapshot snapshot) {
          long index = snapshot.metadata().index();
          opened.add(index);
          byte[] bytes = new byte[100];
          java.util.Arrays.fill(bytes, (byte) index);
          SnapshotSource inMemory = SnapshotSource.of(bytes);
          return new SnapshotSource() {
            @Override
            public long size() {
              return inMemory.size();
            }

            @Override
            public byte[] read(long offset, int length) {
              if (failReads || closed.contains(index)) {
                throw new UncheckedIOException(new java.io.IOException("gone"));
              }
              return inMemory.read(offset, length);
            }

            @Override
            public void close() {
              closed.add(index);
            }
          };
        }
      };

  private static Snapshot reference(long index) {
    return new Snapshot(
        new SnapshotMetadata(index, 1, ConfState.ofVoters(Set.of(1L))), new byte[1]);
  }

  @Test
  void aReferencedSnapshotIsReadFromItsSourceInChunks() {
    SnapshotSending sending = new SnapshotSending(MemoryStorage.bootstrap(Set.of(1L)), machine);
    Snapshot s = reference(7);
    assertThat(sending.snapshotSize(s)).isEqualTo(100);
    assertThat(sending.snapshotChunk(s, 90, 10)).hasSize(10).containsOnly(7);
    assertThat(sending.snapshotSize(s)).isEqualTo(100);
    assertThat(opened).as("opened once per snapshot").containsExactly(7L);
  }

  @Test
  void theSourcesOfTheLastSnapshotsStayOpenAndOlderOnesStartOver() {
    SnapshotSending sending = new SnapshotSending(MemoryStorage.bootstrap(Set.of(1L)), machine);
    for (long i = 1; i <= SnapshotSending.KEPT + 1; i++) {
      sending.snapshotSize(reference(i));
    }
    assertThat(closed).containsExactly(1L);
    assertThatThrownBy(() -> sending.snapshotChunk(reference(1), 0, 10))
        .isInstanceOf(UnavailableException.class);
    assertThat(sending.snapshotChunk(reference(2), 0, 10)).containsOnly(2);
    sending.close();
    assertThat(closed).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
  }

  @Test
  void aFailedReadClosesTheSourceAndIsUnavailable() {
    SnapshotSending sending = new SnapshotSending(MemoryStorage.bootstrap(Set.of(1L)), machine);
    Snapshot s = reference(5);
    sending.snapshotSize(s);
    failReads = true;
    assertThatThrownBy(() -> sending.snapshotChunk(s, 0, 10))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("gone");
    assertThat(closed).containsExactly(5L);
    failReads = false;
    assertThat(sending.snapshotSize(s)).isEqualTo(100); // opened again for a new transfer
    assertThat(opened).containsExactly(5L, 5L);
  }

  @Test
  void plainSnapshotDataIsSentAsItIs() {
    SnapshotSending sending = new SnapshotSending(MemoryStorage.bootstrap(Set.of(1L)), machine);
    Snapshot s = new Snapshot(reference(3).metadata(), new byte[] {1, 2, 3, 4});
    assertThat(sending.snapshotSize(s)).isEqualTo(4);
    assertThat(sending.snapshotChunk(s, 2, 5)).containsExactly(3, 4);
    assertThat(opened).isEmpty();
  }
}

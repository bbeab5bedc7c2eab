package dev.raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftkv.raft.CompactedException;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.HardState;
import dev.raftkv.raft.Snapshot;
import dev.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips, compaction, snapshots, and the documented refusals on real files. */
class DiskStorageTest {
  static final ConfState CONF = ConfState.ofVoters(Set.of(1L, 2L, 3L));
  static final StorageOptions SMALL = StorageOptions.DEFAULT.withSegmentBytes(4096);

  @TempDir Path dir;

  @BeforeAll
  static void quiet() {
    Logger.getLogger("dev.raftkv.storage").setLevel(Level.OFF);
  }

  static byte[] data(long index) {
    byte[] d = new byte[100];
    for (int i = 0; i < d.length; i++) {
      d[i] = (byte) (index * 31 + i);
    }
    return d;
  }

  static List<Entry> range(long term, long from, long to) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(Entry.normal(term, i, data(i)));
    }
    return out;
  }

  DiskStorage open() {
    return DiskStorage.open(dir, SMALL, 7, 1, CONF);
  }

  List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("wal"))) {
      return s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
    }
  }

  @Test
  void roundTripWithTruncationAcrossSegments() {
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 100), new HardState(1, 1, 50)).join();
      // A follower overwrites a conflicting suffix.
      s.persist(range(2, 80, 90), new HardState(2, 3, 60)).join();
      assertThat(s.lastIndex()).isEqualTo(90);
    }
    try (DiskStorage s = open()) {
      assertThat(s.firstIndex()).isEqualTo(1);
      assertThat(s.lastIndex()).isEqualTo(90);
      assertThat(s.term(79)).isEqualTo(1);
      assertThat(s.term(80)).isEqualTo(2);
      assertThat(s.entries(75, 91, Long.MAX_VALUE))
          .containsExactlyElementsOf(
              Stream.concat(range(1, 75, 79).stream(), range(2, 80, 90).stream()).toList());
      assertThat(s.initialState().hardState()).isEqualTo(new HardState(2, 3, 60));
      assertThat(s.initialState().conf()).isEqualTo(CONF);
    }
  }

  @Test
  void bufferedIsNotDurableUntilSync() {
    SimFileIo io = new SimFileIo(1);
    Path d = Path.of("/sim/d");
    DiskStorage s = DiskStorage.open(d, SMALL.withFileIo(io), 7, 1, CONF);
    s.persist(range(1, 1, 3), new HardState(1, 1, 0)).join();
    s.append(range(1, 4, 6));
    assertThat(s.lastIndex()).isEqualTo(6); // visible to reads at once
    SimFileIo after = io.crashAt(io.ops()).afterCrash(1);
    DiskStorage r = DiskStorage.open(d, SMALL.withFileIo(after), 7, 1, CONF);
    assertThat(r.lastIndex()).isEqualTo(3);
    r.close();
  }

  @Test
  void snapshotAndCompactionDeleteWholeSegmentsBelowTheSnapshot() throws IOException {
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 200), new HardState(1, 1, 200)).join();
      int before = segments().size();
      assertThat(before).isGreaterThan(4);
      s.saveSnapshot(new Snapshot(new SnapshotMetadata(150, 1, CONF), new byte[] {42}));
      s.compact(150);
      assertThat(segments().size()).isLessThan(before);
      assertThat(s.firstIndex()).isEqualTo(151);
      assertThatThrownBy(() -> s.term(149)).isInstanceOf(CompactedException.class);
      for (long i = 201; i <= 205; i++) {
        s.saveSnapshot(new Snapshot(new SnapshotMetadata(i - 50, 1, CONF), new byte[] {1}));
      }
      try (Stream<Path> snaps = Files.list(dir.resolve("snap"))) {
        assertThat(snaps.count()).isEqualTo(2);
      }
    }
    try (DiskStorage s = open()) {
      assertThat(s.snapshot().metadata().index()).isEqualTo(155);
      assertThat(s.firstIndex()).isEqualTo(156);
      assertThat(s.lastIndex()).isEqualTo(200);
      assertThat(s.term(155)).isEqualTo(1);
      assertThat(s.entries(156, 201, Long.MAX_VALUE)).isEqualTo(range(1, 156, 200));
    }
  }

  /**
   * Regression (found by {@code raftkv chaos}): a server bootstraps with an empty membership and
   * puts its founding members in the log as conf-change entries. After a snapshot taken by its own
   * state machine and a compaction, the membership must come from the snapshot on restart; the
   * segments' head records still carry the empty bootstrap membership and used to win, so a
   * restarted member thought it was no voter and never campaigned. Once every member of a 5-member
   * cluster had been restarted that way, no leader could ever be elected again.
   */
  @Test
  void aLocallyTakenSnapshotsMembershipSurvivesARestartOverTheBootstrapOne() {
    try (DiskStorage s = DiskStorage.open(dir, SMALL, 7, 1, ConfState.EMPTY)) {
      s.persist(range(1, 1, 60), new HardState(1, 1, 60)).join();
      s.saveSnapshot(new Snapshot(new SnapshotMetadata(50, 1, CONF), new byte[] {7}));
      s.compact(50);
      assertThat(s.firstIndex()).isEqualTo(51);
    }
    try (DiskStorage s = DiskStorage.open(dir, SMALL, 7, 1, ConfState.EMPTY)) {
      assertThat(s.initialState().conf()).isEqualTo(CONF);
      assertThat(s.firstIndex()).isEqualTo(51);
      assertThat(s.entries(51, 61, Long.MAX_VALUE)).isEqualTo(range(1, 51, 60));
    }
    // And again, after the restart wrote its own head records and more entries came.
    try (DiskStorage s = DiskStorage.open(dir, SMALL, 7, 1, ConfState.EMPTY)) {
      s.persist(range(1, 61, 120), new HardState(1, 1, 120)).join();
    }
    try (DiskStorage s = DiskStorage.open(dir, SMALL, 7, 1, ConfState.EMPTY)) {
      assertThat(s.initialState().conf()).isEqualTo(CONF);
      assertThat(s.lastIndex()).isEqualTo(120);
    }
  }

  @Test
  void hardStateAndMembershipSurviveDeletionOfTheSegmentsThatHeldThem() throws IOException {
    ConfState four = ConfState.ofVoters(Set.of(1L, 2L, 3L, 4L));
    try (DiskStorage s = open()) {
      s.setConf(four);
      s.persist(range(5, 1, 10), new HardState(5, 2, 10)).join();
      s.persist(range(5, 11, 200), null).join(); // many segments, no newer hard state
      s.saveSnapshot(new Snapshot(new SnapshotMetadata(190, 5, four), null));
      s.compact(190);
      assertThat(segments().get(0).getFileName().toString()).doesNotStartWith("0000000000000000-");
    }
    try (DiskStorage s = open()) {
      assertThat(s.initialState().hardState()).isEqualTo(new HardState(5, 2, 190));
      assertThat(s.initialState().conf()).isEqualTo(four);
      assertThat(s.firstIndex()).isEqualTo(191);
      assertThat(s.entries(191, 201, Long.MAX_VALUE)).isEqualTo(range(5, 191, 200));
    }
  }

  @Test
  void applySnapshotFromLeaderReplacesTheLog() {
    ConfState newConf = ConfState.ofVoters(Set.of(1L, 2L, 3L, 4L));
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 20), new HardState(1, 1, 10)).join();
      s.applySnapshot(new Snapshot(new SnapshotMetadata(1000, 3, newConf), new byte[] {9}));
      s.persist(range(3, 1001, 1005), new HardState(3, 2, 1003)).join();
    }
    try (DiskStorage s = open()) {
      assertThat(s.firstIndex()).isEqualTo(1001);
      assertThat(s.lastIndex()).isEqualTo(1005);
      assertThat(s.term(1000)).isEqualTo(3);
      assertThat(s.initialState().conf()).isEqualTo(newConf);
      assertThat(s.initialState().hardState()).isEqualTo(new HardState(3, 2, 1003));
      assertThat(s.snapshot().data()).containsExactly(9);
    }
  }

  @Test
  void leaderSnapshotWhoseLogRecordWasLostIsCompletedAtStart() {
    SimFileIo io = new SimFileIo(1);
    Path d = Path.of("/sim/d");
    DiskStorage s = DiskStorage.open(d, SMALL.withFileIo(io), 7, 1, CONF);
    s.persist(range(1, 1, 20), new HardState(1, 1, 10)).join();
    io.failForceOf(".wal"); // the snapshot file becomes durable, its SNAPSHOT record does not
    assertThatThrownBy(
            () -> s.applySnapshot(new Snapshot(new SnapshotMetadata(1000, 3, CONF), null)))
        .isInstanceOf(StorageFailedException.class);
    StorageOptions after = SMALL.withFileIo(io.afterCrashKeepingOnlyDurable());
    try (DiskStorage r = DiskStorage.open(d, after, 7, 1, CONF)) {
      assertThat(r.firstIndex()).isEqualTo(1001);
      assertThat(r.initialState().hardState()).isEqualTo(new HardState(1, 1, 1000));
      r.persist(range(3, 1001, 1003), new HardState(3, 2, 1000)).join();
    }
    try (DiskStorage r = DiskStorage.open(d, after, 7, 1, CONF)) {
      assertThat(r.entries(1001, 1004, Long.MAX_VALUE)).isEqualTo(range(3, 1001, 1003));
      assertThat(r.term(1000)).isEqualTo(3);
    }
  }

  /** Offset of the payload of the record for entry {@code index} in a segment. */
  static int payloadOffset(byte[] seg, long index) {
    int off = 0;
    while (WalRecord.payloadLength(seg, off) != 0) {
      int len = WalRecord.payloadLength(seg, off);
      if (seg[off + 4] == WalRecord.ENTRY
          && java.nio.ByteBuffer.wrap(seg, off + WalRecord.HEADER + 8, 8).getLong() == index) {
        return off + WalRecord.HEADER;
      }
      off += WalRecord.HEADER + len;
    }
    throw new AssertionError("entry " + index + " not found");
  }

  static void flipBit(Path p, int offset) throws IOException {
    byte[] b = Files.readAllBytes(p);
    b[offset] ^= 0x10;
    Files.write(p, b);
  }

  @Test
  void bitFlipInTheMiddleRefusesToStartNamingFileAndOffset() throws IOException {
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 100), new HardState(1, 1, 0)).join();
    }
    Path first = segments().get(0);
    int off = payloadOffset(Files.readAllBytes(first), 3);
    flipBit(first, off + 20);
    assertThatThrownBy(this::open)
        .isInstanceOf(StorageCorruptedException.class)
        .hasMessageContaining(first.toString())
        .hasMessageContaining("corrupt at offset " + (off - WalRecord.HEADER));
  }

  @Test
  void bitFlipInTheLastSegmentWithValidRecordsAfterItRefusesToStart() throws IOException {
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 100), new HardState(1, 1, 0)).join();
    }
    Path last = segments().get(segments().size() - 1);
    byte[] b = Files.readAllBytes(last);
    int off = payloadOffset(b, 98);
    flipBit(last, off + 30);
    assertThatThrownBy(this::open)
        .isInstanceOf(StorageCorruptedException.class)
        .hasMessageContaining(last.toString())
        .hasMessageContaining("corrupt at offset " + (off - WalRecord.HEADER))
        .hasMessageContaining("valid record following");
  }

  @Test
  void bitFlipAtTheTailIsATornTailAndIsTruncated() throws IOException {
    try (DiskStorage s = open()) {
      s.setHardState(new HardState(1, 1, 0));
      s.persist(range(1, 1, 100), null).join(); // entry 100 is the last record
    }
    Path last = segments().get(segments().size() - 1);
    int off = payloadOffset(Files.readAllBytes(last), 100) - WalRecord.HEADER;
    flipBit(last, off + WalRecord.HEADER + 30);
    List<String> warnings = new ArrayList<>();
    Logger wal = Logger.getLogger(Wal.class.getName());
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            warnings.add(r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    wal.setLevel(Level.WARNING);
    wal.setUseParentHandlers(false);
    wal.addHandler(capture);
    try (DiskStorage s = open()) {
      assertThat(s.lastIndex()).isEqualTo(99);
      s.persist(range(1, 100, 101), null).join();
    } finally {
      wal.removeHandler(capture);
      wal.setLevel(null);
      wal.setUseParentHandlers(true);
    }
    assertThat(warnings)
        .containsExactly(
            "WAL torn tail in "
                + last
                + " at offset "
                + off
                + ": truncating "
                + (WalRecord.HEADER + 17 + 100)
                + " bytes of an incomplete record");
    try (DiskStorage s = open()) {
      assertThat(s.entries(1, 102, Long.MAX_VALUE)).isEqualTo(range(1, 1, 101));
    }
  }

  @Test
  void zeroFilledPartialRecordAtTheTailIsTruncated() throws IOException {
    try (DiskStorage s = open()) {
      s.setHardState(new HardState(1, 1, 0));
      s.persist(range(1, 1, 10), null).join();
    }
    Path last = segments().get(segments().size() - 1);
    byte[] b = Files.readAllBytes(last);
    int off = payloadOffset(b, 10);
    java.util.Arrays.fill(b, off + 10, off + 117, (byte) 0); // the record's end never hit the disk
    Files.write(last, b);
    try (DiskStorage s = open()) {
      assertThat(s.lastIndex()).isEqualTo(9);
    }
  }

  @Test
  void missingSegmentRefusesToStart() throws IOException {
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 100), new HardState(1, 1, 0)).join();
    }
    List<Path> segs = segments();
    Files.delete(segs.get(2));
    assertThatThrownBy(this::open)
        .isInstanceOf(StorageCorruptedException.class)
        .hasMessageContaining("missing WAL segment")
        .hasMessageContaining(segs.get(3).toString());
  }

  @Test
  void missingFirstSegmentWithoutSnapshotRefusesToStart() throws IOException {
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 100), new HardState(1, 1, 0)).join();
    }
    Files.delete(segments().get(0));
    assertThatThrownBy(this::open)
        .isInstanceOf(StorageCorruptedException.class)
        .hasMessageContaining("missing WAL segment")
        .hasMessageContaining("snapshot covers only up to index 0");
  }

  @Test
  void snapshotWithBadChecksumRefusesToStart() throws IOException {
    try (DiskStorage s = open()) {
      s.persist(range(1, 1, 10), new HardState(1, 1, 10)).join();
      s.saveSnapshot(new Snapshot(new SnapshotMetadata(5, 1, CONF), new byte[64]));
    }
    Path snap;
    try (Stream<Path> st = Files.list(dir.resolve("snap"))) {
      snap = st.findFirst().orElseThrow();
    }
    flipBit(snap, 50);
    long size = Files.size(snap);
    assertThatThrownBy(this::open)
        .isInstanceOf(StorageCorruptedException.class)
        .hasMessage(
            "snapshot file "
                + snap
                + " is unreadable at offset "
                + (size - 4)
                + ": checksum mismatch");
  }

  @Test
  void dataDirOfAnotherClusterIsRefused() {
    open().close();
    assertThatThrownBy(() -> DiskStorage.open(dir, SMALL, 8, 1, CONF))
        .isInstanceOf(StorageCorruptedException.class)
        .hasMessageContaining("belongs to another cluster or member")
        .hasMessageContaining("cluster-id=0000000000000007");
  }

  @Test
  void failedFsyncIsFailStopAndNeverRetried() {
    SimFileIo io = new SimFileIo(1);
    Path d = Path.of("/sim/d");
    DiskStorage s = DiskStorage.open(d, SMALL.withFileIo(io), 7, 1, CONF);
    s.persist(range(1, 1, 3), new HardState(1, 1, 0)).join();
    io.failForceOf(".wal");
    CompletableFuture<Void> f = s.persist(range(1, 4, 6), null);
    assertThatThrownBy(f::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(StorageFailedException.class)
        .hasMessageContaining("fdatasync of /sim/d/wal/")
        .hasMessageContaining("simulated fsync failure");
    assertThat(io.failedForces()).isEqualTo(1);
    assertThatThrownBy(() -> s.append(range(1, 7, 7)))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("original error")
        .hasMessageContaining("simulated fsync failure");
    assertThatThrownBy(s::lastIndex).isInstanceOf(StorageFailedException.class);
    assertThatThrownBy(() -> s.sync().join()).hasMessageContaining("simulated fsync failure");
    assertThatThrownBy(s::syncNow).hasMessageContaining("simulated fsync failure");
    assertThatThrownBy(s::close).isInstanceOf(StorageFailedException.class);
    assertThat(io.failedForces()).as("a failed fsync is never retried").isEqualTo(1);
  }

  @Test
  void failedSnapshotFsyncIsFailStopToo() {
    SimFileIo io = new SimFileIo(1);
    DiskStorage s = DiskStorage.open(Path.of("/sim/d"), SMALL.withFileIo(io), 7, 1, CONF);
    s.persist(range(1, 1, 3), new HardState(1, 1, 3)).join();
    io.failForceOf(".snap.tmp");
    assertThatThrownBy(
            () -> s.saveSnapshot(new Snapshot(new SnapshotMetadata(2, 1, CONF), new byte[8])))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("cannot write snapshot");
    assertThatThrownBy(() -> s.append(range(1, 4, 4)))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("original error")
        .hasMessageContaining("simulated fsync failure");
  }

  @Test
  void diskFullStopsWritesAndLosesNothingDurable() {
    SimFileIo io = new SimFileIo(1);
    Path d = Path.of("/sim/d");
    DiskStorage s = DiskStorage.open(d, SMALL.withFileIo(io), 7, 1, CONF);
    s.persist(range(1, 1, 20), new HardState(1, 1, 0)).join();
    io.capacity(5 * 4096);
    CompletableFuture<Void> f = s.persist(range(1, 21, 200), null);
    assertThatThrownBy(f::join)
        .hasMessageContaining("disk full: WAL in /sim/d/wal stopped accepting writes")
        .hasMessageContaining("No space left on device");
    assertThatThrownBy(() -> s.append(range(1, 201, 201)))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("No space left on device");
    SimFileIo after = io.afterCrash(3);
    try (DiskStorage r = DiskStorage.open(d, SMALL.withFileIo(after), 7, 1, CONF)) {
      assertThat(r.lastIndex()).isGreaterThanOrEqualTo(20);
      assertThat(r.entries(1, 21, Long.MAX_VALUE)).isEqualTo(range(1, 1, 20));
    }
  }

  @Test
  void storedIdentityNamesTheClusterAndMemberOfADataDir() {
    assertThat(DiskStorage.storedIdentity(dir, SMALL)).isEmpty();
    try (DiskStorage s = DiskStorage.open(dir, SMALL, 0xF00DL << 40, 0x8000000000000001L, CONF)) {
      assertThat(s.lastIndex()).isZero();
      assertThat(DiskStorage.storedIdentity(dir, SMALL).orElseThrow())
          .isEqualTo(new StoredIdentity(0xF00DL << 40, 0x8000000000000001L));
    }
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

class PersistenceTest {
  @TempDir Path tmp;

  private static void applyWorkload(KvStore s, long from, long to) {
    for (long i = from; i <= to; i++) {
      s.apply(i, Workload.entry(i));
    }
  }

  @Test
  void restartKeepsDataRevisionsAndAppliedIndex() {
    Path dir = tmp.resolve("db");
    long hash;
    long hashKv;
    long rev;
    try (KvStore s = KvStore.open(dir)) {
      applyWorkload(s, 1, 200);
      s.apply(201, List.of(new Compact(s.revision() - 10)));
      hash = s.hash();
      hashKv = s.hashKV(0);
      rev = s.revision();
    }
    try (KvStore s = KvStore.open(dir)) {
      assertThat(s.appliedIndex()).isEqualTo(201);
      assertThat(s.revision()).isEqualTo(rev);
      assertThat(s.compactedRevision()).isEqualTo(rev - 10);
      assertThat(s.hash()).isEqualTo(hash);
      assertThat(s.hashKV(0)).isEqualTo(hashKv);
      // replaying the log from the start is a no-op up to the applied index
      assertThat(s.apply(150, Workload.entry(150)).skipped()).isTrue();
      assertThat(s.hash()).isEqualTo(hash);
    }
  }

  @Test
  void aCrashLeavesTheStateOfExactlyTheAppliedIndex() throws Exception {
    Path dir = tmp.resolve("crashed");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                CrashChild.class.getName(),
                dir.toString(),
                "1500")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child halted").isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("child.log"))).isEqualTo(3);

    long applied;
    long hash;
    long rev;
    try (KvStore crashed = KvStore.open(dir)) {
      applied = crashed.appliedIndex();
      hash = crashed.hash();
      rev = crashed.revision();
    }
    assertThat(applied).as("the child applied something before the halt").isGreaterThan(10);
    try (KvStore clean = KvStore.open(tmp.resolve("clean"))) {
      applyWorkload(clean, 1, applied);
      assertThat(clean.revision()).isEqualTo(rev);
      assertThat(clean.hash()).isEqualTo(hash);
    }
    // and the crashed store resumes from its applied index
    try (KvStore resumed = KvStore.open(dir)) {
      applyWorkload(resumed, applied + 1, applied + 20);
      try (KvStore clean = KvStore.open(tmp.resolve("clean"))) {
        applyWorkload(clean, applied + 1, applied + 20);
        assertThat(resumed.hash()).isEqualTo(clean.hash());
      }
    }
  }

  @Test
  void applyAllIsOneBatchWithTheSameResultsAsOneByOne() {
    try (KvStore one = KvStore.open(tmp.resolve("one"));
        KvStore all = KvStore.open(tmp.resolve("all"))) {
      List<ApplyResult> singles = new ArrayList<>();
      List<KvStore.Entry> entries = new ArrayList<>();
      for (long i = 1; i <= 50; i++) {
        singles.add(one.apply(i, Workload.entry(i)));
        entries.add(new KvStore.Entry(i, Workload.entry(i)));
      }
      List<ApplyResult> batched = all.applyAll(entries.subList(0, 20));
      batched = new ArrayList<>(batched);
      // a replayed prefix is skipped, the rest applies
      List<ApplyResult> rest = all.applyAll(entries.subList(10, 50));
      assertThat(rest.subList(0, 10)).allMatch(ApplyResult::skipped);
      batched.addAll(rest.subList(10, 40));
      assertThat(batched).isEqualTo(singles);
      assertThat(all.hash()).isEqualTo(one.hash());
      assertThat(all.appliedIndex()).isEqualTo(50);
      assertThatThrownBy(
              () ->
                  all.applyAll(
                      List.of(new KvStore.Entry(52, List.of()), new KvStore.Entry(51, List.of()))))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aStoreOfAnotherFormatVersionIsRefused() throws Exception {
    Path dir = tmp.resolve("db");
    KvStore.open(dir).close();
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    for (String name : List.of("default", "kv", "rev", "lease", "meta")) {
      cfs.add(new ColumnFamilyDescriptor(Bytes.of(name)));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions();
        RocksDB db = RocksDB.open(o, dir.toString(), cfs, handles)) {
      db.put(handles.get(4), Codec.META_FORMAT, Codec.longBytes(99));
      handles.forEach(ColumnFamilyHandle::close);
    }
    assertThatThrownBy(() -> KvStore.open(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("kv format 99");
  }

  @Test
  void checkpointAndRestoreGiveAnIdenticalStore() {
    try (KvStore s = KvStore.open(tmp.resolve("db"))) {
      applyWorkload(s, 1, 150);
      s.apply(151, List.of(new Compact(s.revision() / 2)));
      Path cp = s.checkpoint(tmp.resolve("cp"));
      long atCheckpoint = s.hashKV(0);
      applyWorkload(s, 152, 160); // after the checkpoint: not in it
      try (KvStore r = KvStore.restore(cp, tmp.resolve("restored"))) {
        assertThat(r.appliedIndex()).isEqualTo(151);
        assertThat(r.hashKV(0)).isEqualTo(atCheckpoint);
        assertThat(r.compactedRevision()).isEqualTo(s.compactedRevision());
        applyWorkload(r, 152, 160);
        assertThat(r.hashKV(0)).isEqualTo(s.hashKV(0));
        assertThat(r.hash()).isEqualTo(s.hash());
        assertThat(r.revision()).isEqualTo(s.revision());
      }
      assertThatThrownBy(() -> KvStore.restore(cp, tmp.resolve("db")))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void replaceWithSwapsTheStateUnderTheSameObjectAndCloseIsFinal() {
    KvStore s = KvStore.open(tmp.resolve("db"));
    try (KvStore other = KvStore.open(tmp.resolve("other"))) {
      applyWorkload(other, 1, 80);
      Path cp = other.checkpoint(tmp.resolve("cp"));
      applyWorkload(s, 1, 20);
      s.replaceWith(cp);
      assertThat(s.appliedIndex()).isEqualTo(80);
      assertThat(s.revision()).isEqualTo(other.revision());
      assertThat(s.hash()).isEqualTo(other.hash());
      applyWorkload(s, 81, 90); // applies go on from the snapshot
      applyWorkload(other, 81, 90);
      assertThat(s.hash()).isEqualTo(other.hash());
      assertThat(cp).isDirectory(); // left as it was

      s.close();
      s.close(); // again: nothing
      assertThatThrownBy(() -> s.range(Range.get(Bytes.of("k"))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
      assertThatThrownBy(() -> s.apply(91, Workload.entry(91)))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> s.replaceWith(cp)).isInstanceOf(IllegalStateException.class);
      assertThat(s.appliedIndex()).isEqualTo(90); // the last value, without blocking
    } finally {
      s.close();
    }
  }

  @Test
  void hashKvIsTheSameWhateverTheCompactionHistory() {
    try (KvStore a = KvStore.open(tmp.resolve("a"));
        KvStore b = KvStore.open(tmp.resolve("b"))) {
      applyWorkload(a, 1, 100);
      applyWorkload(b, 1, 100);
      long mid = a.revision();
      applyWorkload(a, 101, 150);
      applyWorkload(b, 101, 150);
      a.apply(151, List.of(new Compact(mid)));
      b.apply(151, List.of());
      assertThat(a.hashKV(mid)).isEqualTo(b.hashKV(mid));
      assertThat(a.hashKV(0)).isEqualTo(b.hashKV(0));
      assertThat(a.hash()).isNotEqualTo(b.hash());
    }
  }
}

package dev.raftkv.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Compaction raises the compacted revision at once and deletes what it dropped in the background,
 * in slices, while writes go on; a store closed half way resumes when it opens.
 */
class BackgroundCompactionTest extends StoreFixture {
  private static final int KEYS = 12_000; // two slices of Compactor.SLICE_KEYS

  /** Every key twice, then one tombstone: returns the revision of that delete. */
  private long history() {
    for (int round = 0; round < 2; round++) {
      List<Op> ops = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        ops.add(Put.of("k" + i, "v" + round));
      }
      for (Op op : ops) {
        ok(op);
      }
    }
    return ((DeleteRange.Result) ok(DeleteRange.key(b("k0")))).revision();
  }

  @Test
  void theCompactorDeletesWhatACompactionDroppedWhileWritesGoOn() throws Exception {
    long rev = history();
    ok(new Compact(rev));
    assertThat(store.compactedRevision()).isEqualTo(rev);
    assertThatThrownBy(() -> store.range(Range.get(b("k1")).atRevision(rev - 1)))
        .hasMessage("mvcc: required revision has been compacted");
    // Writes go on while the compactor works; reads at the compacted revision see no difference.
    for (int i = 1; i <= 1_000; i++) {
      put("k" + i, "after");
    }
    assertThat(store.range(Range.get(b("k5")).atRevision(rev)).kvs().get(0).value())
        .isEqualTo(b("v1"));
    assertThat(store.changes(rev, 10, false).events())
        .as("the delete at the compacted revision is dropped (before the compactor gets to it)")
        .noneMatch(e -> e.kv().modRevision() == rev);
    assertThat(store.awaitCompaction(rev, Duration.ofMinutes(1))).isTrue();
    // Left: the newest version of each present key, and the 1,000 writes after the compaction.
    assertThat(records(store, "kv")).isEqualTo(KEYS - 1 + 1_000);
    assertThat(records(store, "rev")).isEqualTo(KEYS - 1 + 1_000);
  }

  @Test
  void aStoreClosedBeforeTheCompactorFinishedResumesWhenItOpens() throws Exception {
    long rev = history();
    ok(new Compact(rev));
    store.close(); // the compactor has at most started
    store = KvStore.open(tmp.resolve("db"));
    assertThat(store.compactedRevision()).isEqualTo(rev);
    assertThat(store.awaitCompaction(rev, Duration.ofMinutes(1))).isTrue();
    assertThat(records(store, "kv")).isEqualTo(KEYS - 1);
    assertThat(records(store, "rev")).isEqualTo(KEYS - 1);
  }

  /** The records of one column family, counted in a checkpoint of the store. */
  private long records(KvStore s, String family) throws Exception {
    Path cp = s.checkpoint(tmp.resolve("cp-" + System.nanoTime()));
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, cp.toString());
    }
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (byte[] n : names) {
      descriptors.add(new ColumnFamilyDescriptor(n));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions();
        RocksDB db = RocksDB.openReadOnly(o, cp.toString(), descriptors, handles)) {
      try {
        for (int i = 0; i < names.size(); i++) {
          if (new String(names.get(i), java.nio.charset.StandardCharsets.UTF_8).equals(family)) {
            long n = 0;
            try (RocksIterator it = db.newIterator(handles.get(i))) {
              for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
              }
            }
            return n;
          }
        }
        throw new AssertionError("no family " + family);
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
  }
}

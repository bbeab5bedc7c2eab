package dev.raftkv.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.raft.ConfChange;
import dev.raftkv.raft.ConfState;
import dev.raftkv.raft.Entry;
import dev.raftkv.raft.EntryType;
import dev.raftkv.raft.HardState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Every WAL record type, framed and checksummed, against a golden file: a WAL written by an earlier
 * build must read the same. Change the format only with a new record type or entry type code, never
 * by editing {@code golden/wal-records.txt} to match.
 */
class WalRecordFormatTest {
  private static Map<String, ByteBuffer> samples() {
    Map<String, ByteBuffer> s = new LinkedHashMap<>();
    s.put(
        "entry-normal",
        WalRecord.entry(
            new Entry(3, 7, EntryType.NORMAL, "put a=1".getBytes(StandardCharsets.US_ASCII))));
    s.put("entry-empty", WalRecord.entry(new Entry(4, 8, EntryType.NORMAL, new byte[0])));
    s.put(
        "entry-conf-change",
        WalRecord.entry(
            new Entry(
                4,
                9,
                EntryType.CONF_CHANGE,
                new ConfChange(ConfChange.Type.ADD_LEARNER, 4).encode())));
    s.put("hard-state", WalRecord.hardState(new HardState(5, 2, 9)));
    s.put("conf", WalRecord.conf(new ConfState(Set.of(1L, 2L, 3L), Set.of(4L))));
    s.put("snapshot-mark", WalRecord.snapshotMark(100_000, 4));
    return s;
  }

  @Test
  void recordsMatchTheGoldenFileAndDecodeToTheSameRecords() throws IOException {
    StringBuilder actual = new StringBuilder();
    samples().forEach((name, rec) -> actual.append(name).append(' ').append(hex(rec)).append('\n'));
    assertThat(actual.toString()).isEqualTo(golden());

    for (String line : golden().split("\n")) {
      String[] f = line.split(" ");
      byte[] buf = HexFormat.of().parseHex(f[1]);
      assertThat(WalRecord.validRecord(buf, 0, buf.length, new CRC32C())).as(f[0]).isTrue();
      ByteBuffer p = ByteBuffer.wrap(buf, WalRecord.HEADER, buf.length - WalRecord.HEADER);
      ByteBuffer again =
          switch (WalRecord.typeOf(ByteBuffer.wrap(buf))) {
            case WalRecord.ENTRY -> WalRecord.entry(WalRecord.decodeEntry(p));
            case WalRecord.HARD_STATE -> WalRecord.hardState(WalRecord.decodeHardState(p));
            case WalRecord.CONF -> WalRecord.conf(WalRecord.decodeConf(p));
            case WalRecord.SNAPSHOT -> WalRecord.snapshotMark(p.getLong(), p.getLong());
            default -> throw new AssertionError(f[0] + ": unknown record type");
          };
      assertThat(hex(again)).as(f[0]).isEqualTo(f[1]);
    }
  }

  private static String hex(ByteBuffer rec) {
    byte[] b = new byte[rec.remaining()];
    rec.duplicate().get(b);
    return HexFormat.of().formatHex(b);
  }

  private static String golden() throws IOException {
    try (InputStream in =
        WalRecordFormatTest.class.getResourceAsStream("/golden/wal-records.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}

package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.server.SnapshotStatus;
import org.junit.jupiter.api.Test;

/** The output etcdctl prints for {@code snapshot status} (from etcd's docs and go-humanize). */
class SnapshotPrinterTest {
  private static final SnapshotStatus S = new SnapshotStatus(0xfe01cf57L, 10, 7, 2_105_344);

  @Test
  void tableAsEtcdctlPrintsIt() {
    assertThat(SnapshotPrinter.print(S, "table"))
        .isEqualTo(
            """
            +----------+----------+------------+------------+
            |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
            +----------+----------+------------+------------+
            | fe01cf57 |       10 |          7 | 2.1 MB     |
            +----------+----------+------------+------------+
            """);
  }

  @Test
  void simpleAndJson() {
    assertThat(SnapshotPrinter.print(S, "simple")).isEqualTo("fe01cf57, 10, 7, 2.1 MB\n");
    assertThat(SnapshotPrinter.print(S, "json"))
        .isEqualTo("{\"hash\":4261531479,\"revision\":10,\"totalKey\":7,\"totalSize\":2105344}\n");
  }

  @Test
  void sizesAsGoHumanize() {
    assertThat(SnapshotPrinter.bytes(9)).isEqualTo("9 B");
    assertThat(SnapshotPrinter.bytes(82_854)).isEqualTo("83 kB");
    assertThat(SnapshotPrinter.bytes(1_000)).isEqualTo("1.0 kB");
    assertThat(SnapshotPrinter.bytes(25_165_824)).isEqualTo("25 MB");
  }
}

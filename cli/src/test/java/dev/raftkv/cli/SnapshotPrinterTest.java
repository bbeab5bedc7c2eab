package dev.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.server.SnapshotStatus;
import org.junit.jupiter.api.Test;

/** The output etcdctl 3.4.23 prints for {@code snapshot status} of an etcd file. */
class SnapshotPrinterTest {
  private static final SnapshotStatus S = new SnapshotStatus(0xfe01cf57L, 10, 7, 2_105_344);

  /** etcdctl's output for a real etcd's file (revision 2 after one put, 20480 bytes). */
  @Test
  void sameAsEtcdctlForTheSameValues() {
    SnapshotStatus etcd = new SnapshotStatus(0x63d291b5L, 2, 5, 20_480);
    assertThat(SnapshotPrinter.print(etcd, "table"))
        .isEqualTo(
            """
            +----------+----------+------------+------------+
            |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
            +----------+----------+------------+------------+
            | 63d291b5 |        2 |          5 |      20 kB |
            +----------+----------+------------+------------+
            """);
    assertThat(SnapshotPrinter.print(etcd, "simple")).isEqualTo("63d291b5, 2, 5, 20 kB\n");
    assertThat(SnapshotPrinter.print(etcd, "json"))
        .isEqualTo("{\"hash\":1674744245,\"revision\":2,\"totalKey\":5,\"totalSize\":20480}\n");
  }

  @Test
  void tableAsEtcdctlPrintsIt() {
    assertThat(SnapshotPrinter.print(S, "table"))
        .isEqualTo(
            """
            +----------+----------+------------+------------+
            |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
            +----------+----------+------------+------------+
            | fe01cf57 |       10 |          7 |     2.1 MB |
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
    assertThat(SnapshotPrinter.bytes(21_500)).isEqualTo("22 kB"); // 21.5: half to even
    assertThat(SnapshotPrinter.bytes(999_999)).isEqualTo("1000 kB");
  }
}

package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the writer's output byte for byte: a history written today must be identical to one written
 * by any earlier version, and a file written by an earlier version must read back the same.
 */
class HistoryJsonGoldenTest {
  /** Every control character, DEL (not escaped), and the three characters JSON lets one escape. */
  private static final String CONTROLS;

  static {
    StringBuilder b = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      b.append(c);
    }
    CONTROLS = b.append("\u007f\"\\/").toString();
  }

  private static final List<Op> HISTORY =
      List.of(
          Op.invoke(1, -1, OpKind.PUT, CONTROLS, "é ü 中文 \u2028\ufeff", null, -1, -5)
              .completeWrite(10, false, 2),
          Op.invoke(2, 1, OpKind.GET, "k", null, null, -1, 5)
              .completeGet(15, "\uD83D\uDE00 x\uD83D\uDE00", 2, 2, 1, 2),
          Op.invoke(3, 1, OpKind.GET, "absent", null, null, -1, 16)
              .completeGet(17, null, 5, 5, 5, 2),
          Op.invoke(4, 2, OpKind.DELETE, "k", null, null, -1, 20).completeWrite(30, true, 3),
          Op.invoke(5, 0, OpKind.CAS, "k", "tab\there", "a\"b\\c", -1, 40)
              .completeWrite(50, false, 3),
          Op.invoke(6, 0, OpKind.CAS, "k", "y", null, 0, 60).completeWrite(70, true, 4),
          Op.invoke(7, 0, OpKind.CAS, "k", "z", null, 4, 80),
          Op.invoke(8, 0, OpKind.PUT, "k", "", null, -1, 90).failed(95),
          Op.invoke(
              Long.MAX_VALUE, Integer.MIN_VALUE, OpKind.GET, "", null, null, -1, Long.MIN_VALUE),
          Op.invoke(10, 3, OpKind.GET, "k", null, null, -1, 100)
              .completeGet(100, "", 0, -1, Long.MAX_VALUE, -1));

  private static final String GOLDEN =
      "{\"id\":1,\"client\":-1,\"kind\":\"put\",\"key\":\"\\u0000\\u0001\\u0002\\u0003\\u0004"
          + "\\u0005\\u0006\\u0007\\u0008\\t\\n\\u000b\\u000c\\r\\u000e\\u000f\\u0010\\u0011"
          + "\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c"
          + "\\u001d\\u001e\\u001f\u007f\\\"\\\\/\",\"value\":\"é ü 中文 \u2028\ufeff\","
          + "\"invoke\":-5,\"complete\":10,\"outcome\":\"ok\",\"revision\":2}\n"
          + "{\"id\":2,\"client\":1,\"kind\":\"get\",\"key\":\"k\",\"invoke\":5,\"complete\":15,"
          + "\"outcome\":\"ok\",\"readValue\":\"\uD83D\uDE00 x\uD83D\uDE00\",\"readModRev\":2,"
          + "\"readCreateRev\":2,\"readVersion\":1,\"revision\":2}\n"
          + "{\"id\":3,\"client\":1,\"kind\":\"get\",\"key\":\"absent\",\"invoke\":16,"
          + "\"complete\":17,\"outcome\":\"ok\",\"revision\":2}\n"
          + "{\"id\":4,\"client\":2,\"kind\":\"delete\",\"key\":\"k\",\"invoke\":20,"
          + "\"complete\":30,\"outcome\":\"ok\",\"succeeded\":true,\"revision\":3}\n"
          + "{\"id\":5,\"client\":0,\"kind\":\"cas\",\"key\":\"k\",\"value\":\"tab\\there\","
          + "\"expectValue\":\"a\\\"b\\\\c\",\"invoke\":40,\"complete\":50,\"outcome\":\"ok\","
          + "\"revision\":3}\n"
          + "{\"id\":6,\"client\":0,\"kind\":\"cas\",\"key\":\"k\",\"value\":\"y\","
          + "\"expectModRev\":0,\"invoke\":60,\"complete\":70,\"outcome\":\"ok\","
          + "\"succeeded\":true,\"revision\":4}\n"
          + "{\"id\":7,\"client\":0,\"kind\":\"cas\",\"key\":\"k\",\"value\":\"z\","
          + "\"expectModRev\":4,\"invoke\":80,\"outcome\":\"unknown\"}\n"
          + "{\"id\":8,\"client\":0,\"kind\":\"put\",\"key\":\"k\",\"value\":\"\",\"invoke\":90,"
          + "\"complete\":95,\"outcome\":\"fail\"}\n"
          + "{\"id\":9223372036854775807,\"client\":-2147483648,\"kind\":\"get\",\"key\":\"\","
          + "\"invoke\":-9223372036854775808,\"outcome\":\"unknown\"}\n"
          + "{\"id\":10,\"client\":3,\"kind\":\"get\",\"key\":\"k\",\"invoke\":100,"
          + "\"complete\":100,\"outcome\":\"ok\",\"readValue\":\"\",\"readModRev\":0,"
          + "\"readVersion\":9223372036854775807}\n";

  @Test
  void eachLineIsTheGoldenLine() {
    String[] lines = GOLDEN.split("\n");
    assertThat(lines).hasSize(HISTORY.size());
    for (int i = 0; i < lines.length; i++) {
      assertThat(HistoryJson.toLine(HISTORY.get(i))).isEqualTo(lines[i]);
    }
  }

  @Test
  void aWrittenFileIsTheGoldenBytes(@TempDir Path dir) throws Exception {
    StringWriter text = new StringWriter();
    HistoryJson.write(text, HISTORY);
    assertThat(text.toString()).isEqualTo(GOLDEN);

    Path file = dir.resolve("h.jsonl");
    HistoryJson.write(file, HISTORY);
    assertThat(Files.readAllBytes(file)).isEqualTo(GOLDEN.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void writingLeavesTheWriterOpen() throws Exception {
    StringWriter text = new StringWriter();
    try (BufferedWriter out = new BufferedWriter(text)) {
      HistoryJson.write(out, HISTORY.subList(0, 3));
      HistoryJson.write(out, HISTORY.subList(3, HISTORY.size()));
    }
    assertThat(text.toString()).isEqualTo(GOLDEN);
  }

  @Test
  void theGoldenFileReadsBackAsTheHistory(@TempDir Path dir) throws Exception {
    assertThat(HistoryJson.parse(GOLDEN)).isEqualTo(HISTORY);
    Path file = dir.resolve("h.jsonl");
    Files.write(file, GOLDEN.getBytes(StandardCharsets.UTF_8));
    assertThat(HistoryJson.read(file)).isEqualTo(HISTORY);
  }

  @Test
  void aLoneSurrogateIsCopiedIntoTheLineAsItIs() {
    Op op = Op.invoke(1, 0, OpKind.GET, "a\uD800b\uDC00", null, null, -1, 0);
    assertThat(HistoryJson.toLine(op))
        .isEqualTo(
            "{\"id\":1,\"client\":0,\"kind\":\"get\",\"key\":\"a\uD800b\uDC00\",\"invoke\":0,"
                + "\"outcome\":\"unknown\"}");
  }
}

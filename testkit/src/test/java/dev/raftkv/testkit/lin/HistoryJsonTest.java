package dev.raftkv.testkit.lin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HistoryJsonTest {

  @Test
  void everyKindOutcomeAndAwkwardStringRoundTrips() throws Exception {
    String awkward = "q\"b\\s/\n\r\t\u0001\u001f é \uD83D\uDE00 end";
    H h = new H();
    h.put(-3, awkward, "", 0, 10, 2);
    h.get(1, awkward, 5, 15, "", 2, 1, 2);
    h.get(1, "absent", 5, 15, null, -1, -1, 2);
    h.delete(2, awkward, 20, 30, true, 3);
    h.deleteUnknown(2, awkward, 31);
    h.casValue(0, "k", awkward, "x", 40, 50, false, 3);
    h.casModRev(0, "k", 0, "y", 60, 70, true, 4);
    h.casModRevUnknown(0, "k", 4, "z", 80);
    h.putFailed(0, "k", "w", 90, 95);
    h.add(Op.invoke(Long.MAX_VALUE, Integer.MIN_VALUE, OpKind.GET, "k", null, null, -1, -7));
    List<Op> ops = h.ops();

    StringBuilder text = new StringBuilder();
    for (Op op : ops) {
      String line = HistoryJson.toLine(op);
      assertThat(line).doesNotContain("\n").doesNotContain("\r");
      text.append(line).append('\n');
    }
    assertThat(HistoryJson.parse(text.toString())).isEqualTo(ops);
  }

  @Test
  void generatedHistoriesRoundTripThroughAFile(@TempDir Path dir) throws Exception {
    for (long seed = 0; seed < 20; seed++) {
      Random rnd = new Random(seed);
      List<Op> history =
          HistoryGenerator.generate(
              new HistoryGenerator.Config(3, 20, 3, 0.1, 0.1, seed % 2 == 0), rnd);
      Path file = dir.resolve("h" + seed + ".jsonl");
      HistoryJson.write(file, history);
      assertThat(HistoryJson.read(file)).isEqualTo(history);
    }
  }

  @Test
  void writerOutputIsCompactWithFieldsInTheDocumentedOrder() {
    H h = new H();
    Op get = h.get(1, "k", 150, 210, "a", 2, 1, 2);
    assertThat(HistoryJson.toLine(get))
        .isEqualTo(
            "{\"id\":1,\"client\":1,\"kind\":\"get\",\"key\":\"k\",\"invoke\":150,"
                + "\"complete\":210,\"outcome\":\"ok\",\"readValue\":\"a\",\"readModRev\":2,"
                + "\"readVersion\":1,\"revision\":2}");
  }

  @Test
  void readerAcceptsWhitespaceAnyFieldOrderEscapesAndExplicitNulls() throws Exception {
    String text =
        "\n  { \"outcome\" : \"ok\" ,\t\"kind\":\"get\", \"key\":\"k\\u00e9\\/\\ud83d\\ude00\","
            + " \"id\" : 7 , \"client\":-1, \"invoke\":-5, \"complete\": 9,"
            + " \"readValue\": null, \"revision\": null }  \r\n\n";
    List<Op> ops = HistoryJson.parse(text);
    assertThat(ops).hasSize(1);
    Op op = ops.get(0);
    assertThat(op.key()).isEqualTo("ké/\uD83D\uDE00");
    assertThat(op.readValue()).isNull();
    assertThat(op.revision()).isEqualTo(Op.NO_REVISION);
    assertThat(op.invokeNanos()).isEqualTo(-5);
  }

  @Test
  void theExampleInTheDocsParsesAndIsLinearizable() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "history-format.md"));
    int start = doc.indexOf("```jsonl\n") + "```jsonl\n".length();
    String example = doc.substring(start, doc.indexOf("```", start));
    List<Op> ops = HistoryJson.parse(example);
    assertThat(ops).hasSize(8);
    CheckResult r = LinearizabilityChecker.check(ops, Duration.ofSeconds(5));
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          missing field      | {"id":1,"client":0,"kind":"get","invoke":1,"outcome":"unknown"}                       | missing field "key"
          unknown field      | {"id":1,"client":0,"kind":"get","key":"k","invoke":1,"outcome":"unknown","readvalue":"a"} | unknown field "readvalue"
          bad kind           | {"id":1,"client":0,"kind":"range","key":"k","invoke":1,"outcome":"unknown"}            | field "kind" must be one of [get, put, delete, cas], not "range"
          upper-case outcome | {"id":1,"client":0,"kind":"get","key":"k","invoke":1,"outcome":"OK"}                   | field "outcome" must be one of [ok, fail, unknown], not "OK"
          wrong type         | {"id":"1","client":0,"kind":"get","key":"k","invoke":1,"outcome":"unknown"}            | field "id" must be an integer
          fraction           | {"id":1.5}                                                                             | field "id": only integers are allowed at column 8
          client range       | {"id":1,"client":4294967296,"kind":"get","key":"k","invoke":1,"outcome":"unknown"}     | field "client" is out of range: 4294967296
          too big            | {"id":99999999999999999999}                                                            | field "id": integer out of range at column 7
          nested             | {"id":1,"key":{"a":1}}                                                                 | field "key": nested objects and arrays are not part of the format at column 15
          trailing comma     | {"id":1,}                                                                              | Unexpected character ('}' (code 125)): was expecting double-quote to start field name at column 9
          missing colon      | {"id" 1}                                                                               | Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value at column 7
          unquoted name      | {id:1}                                                                                 | Unexpected character ('i' (code 105)): was expecting double-quote to start field name at column 2
          duplicate          | {"id":1,"id":2}                                                                        | field "id" appears twice at column 9
          two objects        | {"id":1} {"id":2}                                                                      | unexpected text after the object (one object per line) at column 10
          not an object      | [1,2]                                                                                  | expected '{' at column 1
          truncated          | {"id":1                                                                                | unexpected end of line at column 8
          ends after comma   | {"id":1,                                                                               | unexpected end of line at column 9
          unterminated       | {"key":"abc                                                                            | unterminated string at column 12
          bad escape         | {"key":"a\\qb"}                                                                        | Unrecognized character escape 'q' (code 113) at column 11
          short unicode      | {"key":"\\u12"}                                                                        | Unexpected character ('"' (code 34)): expected a hex-digit for character escape sequence at column 13
          raw control char   | `{"key":"a\tb"}`                                                                       | Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in string value at column 10
          bad literal        | {"id":nul}                                                                             | Unrecognized token 'nul': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at column 7
          exponent           | {"id":-1e5}                                                                            | field "id": only integers are allowed at column 9
          leading zero       | {"id":007}                                                                             | Invalid numeric value: Leading zeroes not allowed at column 8
          escaped duplicate  | {"id":1,"i\\u0064":2}                                                                  | field "id" appears twice at column 9
          text after spaces  | {"id":1}   x                                                                           | unexpected text after the object (one object per line) at column 12
          indented array     | `  [1]`                                                                                | expected '{' at column 3
          truncated name     | {"ke                                                                                   | unterminated string at column 5
          no value           | {"id":                                                                                 | unexpected end of line at column 7
          put without value  | {"id":4,"client":0,"kind":"put","key":"k","invoke":1,"outcome":"unknown"}              | op 4: value is required for put and cas only
          complete unknown   | {"id":4,"client":0,"kind":"get","key":"k","invoke":1,"complete":2,"outcome":"unknown"} | op 4: complete is absent exactly when the outcome is unknown
          """)
  void malformedLinesAreRejectedWithTheLineNumber(String name, String line, String message) {
    String valid =
        "{\"id\":100,\"client\":0,\"kind\":\"put\",\"key\":\"k\",\"value\":\"v\",\"invoke\":0,"
            + "\"outcome\":\"unknown\"}";
    String bad = line.replace("\\t", "\t");
    String text = valid + "\n\n" + bad + "\n" + valid;
    assertThatThrownBy(() -> HistoryJson.parse(text))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessage("line 3: " + message)
        .satisfies(e -> assertThat(((HistoryFormatException) e).line()).isEqualTo(3));
    assertThatThrownBy(() -> HistoryJson.parseLine(bad, 3))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessage("line 3: " + message);
  }

  @Test
  void checkFileReportsTheLineOfAMalformedFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.jsonl");
    List<String> lines = new ArrayList<>();
    lines.add(HistoryJson.toLine(new H().put(0, "k", "a", 0, 10)));
    lines.add("{\"id\":2,");
    Files.write(file, lines);
    assertThatThrownBy(() -> LinearizabilityChecker.checkFile(file, Duration.ofSeconds(1)))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageStartingWith("line 2: ");
  }
}

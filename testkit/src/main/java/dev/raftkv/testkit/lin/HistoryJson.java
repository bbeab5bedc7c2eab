package dev.raftkv.testkit.lin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes histories as JSON lines: one flat JSON object per operation, one per line,
 * UTF-8; the format is documented in {@code docs/history-format.md}.
 *
 * <p>The reader accepts any JSON whitespace, blank lines and every string escape (including {@code
 * \\uXXXX} surrogate pairs). It is strict about the rest: nested values, fractions, unknown or
 * repeated field names and invalid field combinations are errors that name the line, so a typo in a
 * field name never silently changes a verdict. The writer omits fields that hold their unused
 * value, writes fields in a fixed order and escapes only what JSON requires.
 */
public final class HistoryJson {
  private HistoryJson() {}

  /** Reads a history file. */
  public static List<Op> read(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r);
    }
  }

  /** Reads a history from {@code text}. */
  public static List<Op> parse(String text) throws HistoryFormatException {
    try {
      return read(new StringReader(text));
    } catch (HistoryFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new AssertionError("a StringReader does not fail", e);
    }
  }

  /** Reads a history, one operation per non-blank line. */
  public static List<Op> read(Reader reader) throws IOException {
    BufferedReader in = new BufferedReader(reader);
    List<Op> ops = new ArrayList<>();
    int number = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      number++;
      if (!line.isBlank()) {
        ops.add(parseLine(line, number));
      }
    }
    return ops;
  }

  /** Writes a history file, replacing it. */
  public static void write(Path file, List<Op> history) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      write(w, history);
    }
  }

  /** Writes one line per operation. */
  public static void write(Writer out, List<Op> history) throws IOException {
    for (Op op : history) {
      out.write(toLine(op));
      out.write('\n');
    }
  }

  /** One operation as a JSON object on one line (without the line break). */
  public static String toLine(Op op) {
    StringBuilder b = new StringBuilder(160).append('{');
    b.append("\"id\":").append(op.id());
    b.append(",\"client\":").append(op.client());
    b.append(",\"kind\":\"").append(op.kind().wireName()).append('"');
    string(b, "key", op.key());
    string(b, "value", op.value());
    string(b, "expectValue", op.expectValue());
    number(b, "expectModRev", op.expectModRev());
    b.append(",\"invoke\":").append(op.invokeNanos());
    if (op.completeNanos() != Op.NOT_RETURNED) {
      b.append(",\"complete\":").append(op.completeNanos());
    }
    b.append(",\"outcome\":\"").append(op.outcome().wireName()).append('"');
    string(b, "readValue", op.readValue());
    number(b, "readModRev", op.readModRev());
    number(b, "readCreateRev", op.readCreateRev());
    number(b, "readVersion", op.readVersion());
    if (op.succeeded()) {
      b.append(",\"succeeded\":true");
    }
    number(b, "revision", op.revision());
    return b.append('}').toString();
  }

  private static void string(StringBuilder b, String name, String value) {
    if (value != null) {
      b.append(",\"").append(name).append("\":");
      quote(b, value);
    }
  }

  private static void number(StringBuilder b, String name, long value) {
    if (value != Op.NO_REVISION) {
      b.append(",\"").append(name).append("\":").append(value);
    }
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }

  /**
   * Parses one line.
   *
   * @param number the 1-based line number, for error messages
   */
  public static Op parseLine(String line, int number) throws HistoryFormatException {
    Map<String, Object> f = new LineParser(line, number).object();
    FieldReader r = new FieldReader(f, number);
    Op op;
    try {
      op =
          new Op(
              r.requiredLong("id"),
              r.requiredInt("client"),
              r.requiredEnum("kind", OpKind.class),
              r.requiredString("key"),
              r.optionalString("value"),
              r.optionalString("expectValue"),
              r.optionalLong("expectModRev", Op.NO_REVISION),
              r.requiredLong("invoke"),
              r.optionalLong("complete", Op.NOT_RETURNED),
              r.requiredEnum("outcome", Outcome.class),
              r.optionalString("readValue"),
              r.optionalLong("readModRev", Op.NO_REVISION),
              r.optionalLong("readCreateRev", Op.NO_REVISION),
              r.optionalLong("readVersion", Op.NO_REVISION),
              r.optionalBoolean("succeeded"),
              r.optionalLong("revision", Op.NO_REVISION));
    } catch (IllegalArgumentException e) {
      throw new HistoryFormatException(number, e.getMessage());
    }
    r.rejectUnread();
    return op;
  }

  /** Typed access to the fields of one line; remembers which were read. */
  private static final class FieldReader {
    private final Map<String, Object> fields;
    private final int line;

    FieldReader(Map<String, Object> fields, int line) {
      this.fields = new HashMap<>(fields);
      this.line = line;
    }

    private Object take(String name, boolean required) throws HistoryFormatException {
      Object v = fields.remove(name);
      if (v == null && required) {
        throw new HistoryFormatException(line, "missing field \"" + name + "\"");
      }
      return v;
    }

    long requiredLong(String name) throws HistoryFormatException {
      return asLong(name, take(name, true));
    }

    long optionalLong(String name, long absent) throws HistoryFormatException {
      Object v = take(name, false);
      return v == null ? absent : asLong(name, v);
    }

    int requiredInt(String name) throws HistoryFormatException {
      long v = requiredLong(name);
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new HistoryFormatException(line, "field \"" + name + "\" is out of range: " + v);
      }
      return (int) v;
    }

    String requiredString(String name) throws HistoryFormatException {
      return asString(name, take(name, true));
    }

    String optionalString(String name) throws HistoryFormatException {
      Object v = take(name, false);
      return v == null ? null : asString(name, v);
    }

    boolean optionalBoolean(String name) throws HistoryFormatException {
      Object v = take(name, false);
      if (v == null) {
        return false;
      }
      if (!(v instanceof Boolean)) {
        throw wrongType(name, "true or false");
      }
      return (Boolean) v;
    }

    <E extends Enum<E>> E requiredEnum(String name, Class<E> type) throws HistoryFormatException {
      String s = requiredString(name);
      for (E e : type.getEnumConstants()) {
        if (e.name().toLowerCase(Locale.ROOT).equals(s)) {
          return e;
        }
      }
      List<String> allowed = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        allowed.add(e.name().toLowerCase(Locale.ROOT));
      }
      throw new HistoryFormatException(
          line, "field \"" + name + "\" must be one of " + allowed + ", not \"" + s + "\"");
    }

    void rejectUnread() throws HistoryFormatException {
      if (!fields.isEmpty()) {
        String name = fields.keySet().stream().sorted().findFirst().orElseThrow();
        throw new HistoryFormatException(line, "unknown field \"" + name + "\"");
      }
    }

    private long asLong(String name, Object v) throws HistoryFormatException {
      if (!(v instanceof Long)) {
        throw wrongType(name, "an integer");
      }
      return (Long) v;
    }

    private String asString(String name, Object v) throws HistoryFormatException {
      if (!(v instanceof String)) {
        throw wrongType(name, "a string");
      }
      return (String) v;
    }

    private HistoryFormatException wrongType(String name, String expected) {
      return new HistoryFormatException(line, "field \"" + name + "\" must be " + expected);
    }
  }

  /**
   * A parser for one flat JSON object whose values are strings, integers, booleans or null. An
   * explicit null is kept as a key with a null value (the same as an absent field).
   */
  private static final class LineParser {
    private final String s;
    private final int line;
    private int pos;

    LineParser(String s, int line) {
      this.s = s;
      this.line = line;
    }

    Map<String, Object> object() throws HistoryFormatException {
      Map<String, Object> fields = new HashMap<>();
      skipSpace();
      expect('{');
      skipSpace();
      if (peek() == '}') {
        pos++;
      } else {
        while (true) {
          skipSpace();
          if (peek() != '"') {
            throw error("expected a field name in double quotes");
          }
          String name = string();
          if (fields.containsKey(name)) {
            throw error("field \"" + name + "\" appears twice");
          }
          skipSpace();
          expect(':');
          skipSpace();
          fields.put(name, value(name));
          skipSpace();
          char c = peek();
          pos++;
          if (c == '}') {
            break;
          }
          if (c != ',') {
            pos--;
            throw error("expected ',' or '}'");
          }
        }
      }
      skipSpace();
      if (pos < s.length()) {
        throw error("unexpected text after the object (one object per line)");
      }
      return fields;
    }

    private Object value(String name) throws HistoryFormatException {
      char c = peek();
      if (c == '"') {
        return string();
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        return integer(name);
      }
      if (c == '{' || c == '[') {
        throw error("field \"" + name + "\": nested objects and arrays are not part of the format");
      }
      for (String word : new String[] {"true", "false", "null"}) {
        if (s.startsWith(word, pos)) {
          pos += word.length();
          return word.equals("null") ? null : Boolean.valueOf(word);
        }
      }
      throw error("field \"" + name + "\": expected a string, an integer, true, false or null");
    }

    private Long integer(String name) throws HistoryFormatException {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      int digits = pos;
      while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
        pos++;
      }
      if (pos == digits) {
        throw error("field \"" + name + "\": expected digits");
      }
      if (pos < s.length() && (peek() == '.' || peek() == 'e' || peek() == 'E')) {
        throw error("field \"" + name + "\": only integers are allowed");
      }
      try {
        return Long.parseLong(s.substring(start, pos));
      } catch (NumberFormatException e) {
        pos = start;
        throw error("field \"" + name + "\": integer out of range");
      }
    }

    private String string() throws HistoryFormatException {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c < 0x20) {
          pos--;
          throw error("control character in a string (escape it)");
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"':
          case '\\':
          case '/':
            b.append(e);
            break;
          case 'b':
            b.append('\b');
            break;
          case 'f':
            b.append('\f');
            break;
          case 'n':
            b.append('\n');
            break;
          case 'r':
            b.append('\r');
            break;
          case 't':
            b.append('\t');
            break;
          case 'u':
            b.append(hex4());
            break;
          default:
            pos--;
            throw error("invalid escape \\" + e);
        }
      }
    }

    private char hex4() throws HistoryFormatException {
      if (pos + 4 > s.length()) {
        throw error("\\u needs four hex digits");
      }
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int d = Character.digit(s.charAt(pos + i), 16);
        if (d < 0) {
          throw error("\\u needs four hex digits");
        }
        v = v * 16 + d;
      }
      pos += 4;
      return (char) v;
    }

    private void skipSpace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          return;
        }
        pos++;
      }
    }

    private char peek() throws HistoryFormatException {
      if (pos >= s.length()) {
        throw error("unexpected end of line");
      }
      return s.charAt(pos);
    }

    private void expect(char c) throws HistoryFormatException {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private HistoryFormatException error(String message) {
      return new HistoryFormatException(line, message + " at column " + (pos + 1));
    }
  }
}

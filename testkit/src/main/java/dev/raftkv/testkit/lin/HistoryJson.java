package dev.raftkv.testkit.lin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes histories as JSON lines: one flat JSON object per operation, one per line,
 * UTF-8; the format is documented in {@code docs/history-format.md}. The JSON itself is read and
 * written with Jackson's streaming API, one parser per line.
 *
 * <p>The reader accepts any JSON whitespace, blank lines and every string escape (including {@code
 * \\uXXXX} surrogate pairs). It is strict about the rest: nested values, fractions, unknown or
 * repeated field names and invalid field combinations are errors that name the line, so a typo in a
 * field name never silently changes a verdict. The writer omits fields that hold their unused
 * value, writes fields in a fixed order and escapes only what JSON requires.
 */
public final class HistoryJson {
  /**
   * Shared by every reader and writer (it is thread-safe and recycles its buffers). Strings have no
   * length limit, as in the format; the writer escapes exactly as {@link HistoryEscapes} says and
   * leaves the caller's {@link Writer} open.
   */
  private static final JsonFactory JSON =
      new JsonFactoryBuilder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .characterEscapes(new HistoryEscapes())
          .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .build();

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
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.setRootValueSeparator(null);
      for (Op op : history) {
        writeOp(g, op);
        g.writeRaw('\n');
      }
    }
  }

  /** One operation as a JSON object on one line (without the line break). */
  public static String toLine(Op op) {
    StringWriter line = new StringWriter(160);
    try (JsonGenerator g = JSON.createGenerator(line)) {
      writeOp(g, op);
    } catch (IOException e) {
      throw new AssertionError("a StringWriter does not fail", e);
    }
    return line.toString();
  }

  private static void writeOp(JsonGenerator g, Op op) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", op.id());
    g.writeNumberField("client", op.client());
    g.writeStringField("kind", op.kind().wireName());
    string(g, "key", op.key());
    string(g, "value", op.value());
    string(g, "expectValue", op.expectValue());
    number(g, "expectModRev", op.expectModRev());
    g.writeNumberField("invoke", op.invokeNanos());
    if (op.completeNanos() != Op.NOT_RETURNED) {
      g.writeNumberField("complete", op.completeNanos());
    }
    g.writeStringField("outcome", op.outcome().wireName());
    string(g, "readValue", op.readValue());
    number(g, "readModRev", op.readModRev());
    number(g, "readCreateRev", op.readCreateRev());
    number(g, "readVersion", op.readVersion());
    if (op.succeeded()) {
      g.writeBooleanField("succeeded", true);
    }
    number(g, "revision", op.revision());
    g.writeEndObject();
  }

  private static void string(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  private static void number(JsonGenerator g, String name, long value) throws IOException {
    if (value != Op.NO_REVISION) {
      g.writeNumberField(name, value);
    }
  }

  /**
   * The format's escaping, as the hand-written writer did it before Jackson (files stay
   * byte-identical): {@code \"}, {@code \\}, {@code \n}, {@code \r}, {@code \t}, every other
   * control character as a {@code u00xx} escape with lower-case hex digits (Jackson's default would
   * write {@code \b}, {@code \f} and upper-case digits; the digits' case is {@link
   * JsonWriteFeature#WRITE_HEX_UPPER_CASE}), and nothing else: not {@code /}, DEL or non-ASCII.
   */
  private static final class HistoryEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;

    private final int[] ascii = standardAsciiEscapesForJSON();

    HistoryEscapes() {
      ascii['\b'] = ESCAPE_STANDARD;
      ascii['\f'] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return null;
    }
  }

  /**
   * Parses one line.
   *
   * @param number the 1-based line number, for error messages
   */
  public static Op parseLine(String line, int number) throws HistoryFormatException {
    Map<String, Object> f = fields(line, number);
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

  /**
   * The fields of the one flat JSON object on {@code line}, whose values are strings, integers,
   * booleans or null. An explicit null is kept as a key with a null value (the same as an absent
   * field). What the format forbids but JSON allows is told apart here by token; what JSON forbids
   * is Jackson's error, with its message and column.
   */
  private static Map<String, Object> fields(String line, int number) throws HistoryFormatException {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw error(number, "expected '{'", p.currentTokenLocation());
      }
      Map<String, Object> fields = object(p, number);
      // The parser stands right after the object's '}'.
      int rest = (int) p.currentLocation().getCharOffset();
      while (rest < line.length() && isJsonSpace(line.charAt(rest))) {
        rest++;
      }
      if (rest < line.length()) {
        throw new HistoryFormatException(
            number,
            "unexpected text after the object (one object per line) at column " + (rest + 1));
      }
      return fields;
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      if (e instanceof JsonEOFException
          || (where != null && where.getCharOffset() >= line.length())) {
        // The line ended inside the object (Jackson words this in several ways).
        JsonToken in = e instanceof JsonEOFException eof ? eof.getTokenBeingDecoded() : null;
        boolean inString = in == JsonToken.VALUE_STRING || in == JsonToken.FIELD_NAME;
        throw new HistoryFormatException(
            number,
            (inString ? "unterminated string" : "unexpected end of line")
                + " at column "
                + (line.length() + 1));
      }
      throw error(number, e.getOriginalMessage(), where);
    } catch (HistoryFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new AssertionError("parsing a string does not fail", e);
    }
  }

  /** Reads the fields of an object whose '{' was just read, up to its '}'. */
  private static Map<String, Object> object(JsonParser p, int number) throws IOException {
    Map<String, Object> fields = new HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (fields.containsKey(name)) {
        throw error(number, "field \"" + name + "\" appears twice", p.currentTokenLocation());
      }
      fields.put(name, value(p, name, number));
    }
    return fields;
  }

  private static Object value(JsonParser p, String name, int number) throws IOException {
    JsonToken t = p.nextToken();
    switch (t) {
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw error(
              number, "field \"" + name + "\": integer out of range", p.currentTokenLocation());
        }
        return p.getLongValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        // Point at the '.', 'e' or 'E' that makes it a fraction.
        String text = p.getText();
        int at = 0;
        while (at < text.length() && "-0123456789".indexOf(text.charAt(at)) >= 0) {
          at++;
        }
        throw new HistoryFormatException(
            number,
            "field \""
                + name
                + "\": only integers are allowed at column "
                + (p.currentTokenLocation().getColumnNr() + at));
      }
      case VALUE_TRUE -> {
        return true;
      }
      case VALUE_FALSE -> {
        return false;
      }
      case VALUE_NULL -> {
        return null;
      }
      case START_OBJECT, START_ARRAY ->
          throw error(
              number,
              "field \"" + name + "\": nested objects and arrays are not part of the format",
              p.currentTokenLocation());
      default ->
          throw error(number, "field \"" + name + "\": unexpected " + t, p.currentTokenLocation());
    }
  }

  /** JSON's whitespace between tokens. */
  private static boolean isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static HistoryFormatException error(int number, String message, JsonLocation where) {
    if (where == null || where.getColumnNr() < 1) {
      return new HistoryFormatException(number, message);
    }
    return new HistoryFormatException(number, message + " at column " + where.getColumnNr());
  }

  /** Typed access to the fields of one line; remembers which were read. */
  private static final class FieldReader {
    /** An enum's constants by their lower-case names, in declaration order; built once per type. */
    private static final ClassValue<Map<String, Enum<?>>> WIRE_NAMES =
        new ClassValue<>() {
          @Override
          protected Map<String, Enum<?>> computeValue(Class<?> type) {
            Map<String, Enum<?>> byName = new LinkedHashMap<>();
            for (Object e : type.getEnumConstants()) {
              byName.put(((Enum<?>) e).name().toLowerCase(Locale.ROOT), (Enum<?>) e);
            }
            return Collections.unmodifiableMap(byName);
          }
        };

    private final Map<String, Object> fields;
    private final int line;

    /** Takes {@code fields} over: reading a field removes it. */
    FieldReader(Map<String, Object> fields, int line) {
      this.fields = fields;
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
      if (!(v instanceof Boolean b)) {
        throw wrongType(name, "true or false");
      }
      return b;
    }

    <E extends Enum<E>> E requiredEnum(String name, Class<E> type) throws HistoryFormatException {
      String s = requiredString(name);
      Map<String, Enum<?>> byName = WIRE_NAMES.get(type);
      Enum<?> e = byName.get(s);
      if (e == null) {
        throw new HistoryFormatException(
            line,
            "field \"" + name + "\" must be one of " + byName.keySet() + ", not \"" + s + "\"");
      }
      return type.cast(e);
    }

    void rejectUnread() throws HistoryFormatException {
      if (!fields.isEmpty()) {
        String name = fields.keySet().stream().sorted().findFirst().orElseThrow();
        throw new HistoryFormatException(line, "unknown field \"" + name + "\"");
      }
    }

    private long asLong(String name, Object v) throws HistoryFormatException {
      if (!(v instanceof Long l)) {
        throw wrongType(name, "an integer");
      }
      return l;
    }

    private String asString(String name, Object v) throws HistoryFormatException {
      if (!(v instanceof String string)) {
        throw wrongType(name, "a string");
      }
      return string;
    }

    private HistoryFormatException wrongType(String name, String expected) {
      return new HistoryFormatException(line, "field \"" + name + "\" must be " + expected);
    }
  }
}

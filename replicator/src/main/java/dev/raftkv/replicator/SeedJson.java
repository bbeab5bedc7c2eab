package dev.raftkv.replicator;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads the seed documents' JSON files (Jackson), with errors that say where the text is wrong. */
public final class SeedJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SeedJson() {}

  /**
   * Parses one JSON document.
   *
   * @throws IllegalArgumentException "line L, column C: what is wrong" when {@code text} is not
   *     JSON, or holds more than one document
   */
  public static JsonNode parse(String text) {
    try {
      JsonNode node = MAPPER.readTree(text);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("no JSON value in the file");
      }
      return node;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
      throw new IllegalArgumentException(where + e.getOriginalMessage(), e);
    }
  }
}

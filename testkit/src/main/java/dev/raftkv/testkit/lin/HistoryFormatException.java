package dev.raftkv.testkit.lin;

import java.io.IOException;

/** A history file that does not follow {@code docs/history-format.md}; names the line. */
public final class HistoryFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int line;

  public HistoryFormatException(int line, String message) {
    super("line " + line + ": " + message);
    this.line = line;
  }

  /** The 1-based line number of the malformed line. */
  public int line() {
    return line;
  }
}

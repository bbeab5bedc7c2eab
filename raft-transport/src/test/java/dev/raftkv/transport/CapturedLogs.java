package dev.raftkv.transport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Records what {@link TcpTransport} logs at WARNING and above (System.Logger goes to
 * java.util.logging by default), as the text a console shows: the pattern with its parameters
 * filled in.
 */
final class CapturedLogs extends Handler implements AutoCloseable {
  private final Logger logger = Logger.getLogger(TcpTransport.class.getName());
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final Formatter formatter = new SimpleFormatter();

  void install() {
    logger.addHandler(this);
  }

  /** How many warnings contain both fragments. */
  long count(String fragment, String other) {
    return messages.stream().filter(m -> m.contains(fragment) && m.contains(other)).count();
  }

  @Override
  public void publish(LogRecord record) {
    if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
      messages.add(formatter.formatMessage(record));
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}

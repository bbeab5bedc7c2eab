package dev.raftkv.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Marker;

/**
 * Logs a gRPC status exception that comes with a log event (gRPC's own "Exception processing
 * message" when a client sends a request over the size limit, for one) as one warn line with the
 * status, never a stack trace: it is the client's error, the client got the status, and 40 lines
 * per bad request would bury everything else. Other exceptions keep their stack traces.
 */
final class OneLineClientErrors extends TurboFilter {
  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (!(t instanceof StatusRuntimeException) && !(t instanceof StatusException)) {
      return FilterReply.NEUTRAL;
    }
    if (logger.isWarnEnabled()) {
      logger.warn("{}: {}", format, t.getMessage()); // comes back here without a throwable
    }
    return FilterReply.DENY;
  }
}

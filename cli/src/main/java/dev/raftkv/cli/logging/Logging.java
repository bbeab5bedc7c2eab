package dev.raftkv.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sets up logging for a raftkv process: one line per event on stderr (or any stream), as text
 *
 * <pre>2026-12-07T21:13:45.123Z INFO  [n1 51faebf5ef5a672b] RaftkvServer: member n1 ... started
 * </pre>
 *
 * <p>or as one JSON object per line ({@code level}, {@code timestamp}, {@code loggerName}, {@code
 * message}, {@code context.properties.member}...), at a level, with gRPC's client errors on one
 * line ({@link OneLineClientErrors}) and a line repeated more than {@link RepeatedLines#ALLOWED}
 * times a minute dropped ({@link RepeatedLines}). The member ({@link #member}) is shown once known.
 */
public final class Logging {
  /** The text layout: UTC time, level, member, the logger's simple name, the message. */
  static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level [%property{member}] %logger{0}: %msg%n";

  private Logging() {}

  /** The output formats of {@code --log-format}. */
  public enum Format {
    TEXT,
    JSON;

    /** The format named {@code s} (text or json, any case). */
    public static Format parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--log-format must be text or json, not '" + s + "'", e);
      }
    }
  }

  /** The level named {@code s}: debug, info, warn or error (etcd's {@code --log-level}). */
  public static Level level(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "debug" -> Level.DEBUG;
      case "info" -> Level.INFO;
      case "warn" -> Level.WARN;
      case "error" -> Level.ERROR;
      default ->
          throw new IllegalArgumentException(
              "--log-level must be debug, info, warn or error, not '" + s + "'");
    };
  }

  /**
   * Replaces the logging set-up: every event at {@code level} or above goes to {@code out} in
   * {@code format}; {@code java.util.logging} (gRPC's) is routed here too, with its levels kept in
   * step so that what is not logged costs nothing.
   */
  public static void configure(Level level, Format format, OutputStream out) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    String member = ctx.getProperty("member");
    ctx.reset();
    ctx.putProperty("member", member == null ? "" : member);
    LevelChangePropagator propagator = new LevelChangePropagator();
    propagator.setContext(ctx);
    propagator.setResetJUL(true);
    ctx.addListener(propagator);
    propagator.start();
    OneLineClientErrors oneLine = new OneLineClientErrors();
    oneLine.setContext(ctx);
    oneLine.start();
    ctx.addTurboFilter(oneLine);

    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(ctx);
    appender.setName("raftkv");
    appender.setEncoder(encoder(ctx, format));
    // the appender closes its stream when stopped (at the next configure): never System.err
    appender.setOutputStream(
        new FilterOutputStream(out) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() throws IOException {
            flush();
          }
        });
    appender.setImmediateFlush(true);
    RepeatedLines repeated = new RepeatedLines(System::nanoTime);
    repeated.setContext(ctx);
    repeated.start();
    appender.addFilter(repeated);
    appender.start();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    root.addAppender(appender);
    // Chatty below warn, and not about raftkv.
    ctx.getLogger("io.grpc.netty.shaded.io.netty").setLevel(max(level, Level.WARN));
    ctx.getLogger("io.netty").setLevel(max(level, Level.WARN));
    routeJavaUtilLogging();
  }

  /** Shows {@code member} (name and id) on every line from now on. */
  public static void member(String member) {
    ((LoggerContext) LoggerFactory.getILoggerFactory()).putProperty("member", member);
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext ctx, Format format) {
    if (format == Format.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(ctx);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithArguments(false);
      json.setWithMessage(false);
      json.setWithFormattedMessage(true);
      json.setWithMDC(false);
      json.setWithKVPList(false);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(ctx);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }

  private static Level max(Level a, Level b) {
    return a.isGreaterOrEqual(b) ? a : b;
  }

  private static void routeJavaUtilLogging() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}

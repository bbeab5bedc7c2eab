package dev.raftkv.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One line per event, in text or JSON, with the member; gRPC client errors on one line. */
class LoggingTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @AfterEach
  void restore() {
    Logging.member("");
    Logging.configure(Level.INFO, Logging.Format.TEXT, System.err);
  }

  private List<String> lines() {
    String s = out.toString(StandardCharsets.UTF_8);
    return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n"));
  }

  @Test
  void textIsOneLineWithTimeLevelMemberComponentAndMessage() {
    Logging.configure(Level.INFO, Logging.Format.TEXT, out);
    Logging.member("n1 51faebf5ef5a672b");
    System.Logger log = System.getLogger("dev.raftkv.server.RaftkvServer");
    log.log(System.Logger.Level.INFO, "member {0} started", "n1");
    log.log(System.Logger.Level.DEBUG, "not at info");
    assertThat(lines())
        .singleElement()
        .asString()
        .matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[n1 51faebf5ef5a672b\\]"
                + " RaftkvServer: member n1 started");
  }

  @Test
  void jsonIsOneObjectPerLine() throws Exception {
    Logging.configure(Level.DEBUG, Logging.Format.JSON, out);
    Logging.member("n2 1");
    System.getLogger("dev.raftkv.x.Foo").log(System.Logger.Level.DEBUG, "a \"quoted\" {0}", 7);
    java.util.logging.Logger.getLogger("io.grpc.Some").warning("from gRPC");
    List<String> lines = lines();
    assertThat(lines).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.path("level").asText()).isEqualTo("DEBUG");
    assertThat(first.path("loggerName").asText()).isEqualTo("dev.raftkv.x.Foo");
    assertThat(first.path("formattedMessage").asText()).isEqualTo("a \"quoted\" 7");
    assertThat(first.path("context").path("properties").path("member").asText()).isEqualTo("n2 1");
    assertThat(new ObjectMapper().readTree(lines.get(1)).path("level").asText()).isEqualTo("WARN");
  }

  @Test
  void aClientsBadRequestIsOneWarnLineWithoutAStackTrace() {
    Logging.configure(Level.INFO, Logging.Format.TEXT, out);
    java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream")
        .log(
            java.util.logging.Level.WARNING,
            "Exception processing message",
            Status.RESOURCE_EXHAUSTED
                .withDescription("gRPC message exceeds maximum size 2097152: 3000010")
                .asRuntimeException());
    assertThat(lines())
        .singleElement()
        .asString()
        .contains(
            "WARN  [] NettyServerStream: Exception processing message: RESOURCE_EXHAUSTED: gRPC"
                + " message exceeds maximum size 2097152: 3000010");
  }

  @Test
  void otherExceptionsKeepTheirStackTraces() {
    Logging.configure(Level.INFO, Logging.Format.TEXT, out);
    System.getLogger("dev.raftkv.x.Foo")
        .log(System.Logger.Level.ERROR, "apply failed", new IllegalStateException("boom"));
    assertThat(lines()).hasSizeGreaterThan(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("IllegalStateException: boom");
  }

  @Test
  void aRepeatedLineIsWrittenTenTimesAMinuteAtMost() {
    Logging.configure(Level.INFO, Logging.Format.TEXT, out);
    System.Logger log = System.getLogger("dev.raftkv.transport.PeerConnection");
    for (int i = 0; i < 50; i++) {
      log.log(System.Logger.Level.WARNING, "member {0} unreachable", "b");
    }
    log.log(System.Logger.Level.WARNING, "member {0} unreachable", "c");
    assertThat(lines()).hasSize(RepeatedLines.ALLOWED + 1);
    assertThat(lines().get(lines().size() - 1)).endsWith("member c unreachable");
  }

  /**
   * Logback's appender closes its stream when stopped, so configuring a second time (raftkv's main,
   * then {@code raftkv server}) closed System.err and every later line was lost.
   */
  @Test
  void configuringAgainLeavesTheFormerStreamOpen() {
    boolean[] closed = {false};
    ByteArrayOutputStream first =
        new ByteArrayOutputStream() {
          @Override
          public void close() {
            closed[0] = true;
          }
        };
    Logging.configure(Level.INFO, Logging.Format.TEXT, first);
    Logging.configure(Level.INFO, Logging.Format.TEXT, out);
    assertThat(closed[0]).as("the first stream closed").isFalse();
    System.getLogger("x.Y").log(System.Logger.Level.INFO, "still here");
    assertThat(lines()).singleElement().asString().endsWith("Y: still here");
  }

  @Test
  void badLevelsAndFormatsAreNamed() {
    assertThat(Logging.level("WARN")).isEqualTo(Level.WARN);
    assertThatThrownBy(() -> Logging.level("verbose"))
        .hasMessage("--log-level must be debug, info, warn or error, not 'verbose'");
    assertThat(Logging.Format.parse("Json")).isEqualTo(Logging.Format.JSON);
    assertThatThrownBy(() -> Logging.Format.parse("xml"))
        .hasMessage("--log-format must be text or json, not 'xml'");
  }
}

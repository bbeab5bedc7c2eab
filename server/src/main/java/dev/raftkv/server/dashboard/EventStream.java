package dev.raftkv.server.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's server-sent events ({@code GET /events}): every {@link #PERIOD} each open stream
 * gets a {@code snapshot} event with the new chart point; at once, one with none when this member
 * sees a new term or leader (it looks every {@code observeEvery}); a new stream first gets one with
 * the kept history. While a stream is open the member polls the others once a period ({@link
 * PeerPoller}); the period's snapshot goes out when they have all answered or failed.
 *
 * <p>All on one event loop, none of it blocking. A snapshot a period keeps a stream busy, so the
 * admin endpoint's idle timeout does not cut it; a stream whose reader stops reading is skipped
 * while its connection is not writable (nothing piles up), and the idle timeout closes it. {@link
 * #close} ends every stream with the chunked body's last chunk and closes it.
 */
public final class EventStream implements AutoCloseable {
  /** How often a snapshot is sent (and a chart point taken, and the other members polled). */
  public static final Duration PERIOD = Duration.ofSeconds(1);

  /** How long a page's {@code EventSource} waits before reconnecting (the SSE {@code retry}). */
  static final Duration RETRY = Duration.ofSeconds(1);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final System.Logger LOG = System.getLogger(EventStream.class.getName());

  private final Dashboard dashboard;
  private final EventLoop loop;
  private final Set<Channel> streams = new LinkedHashSet<>();
  private final ScheduledFuture<?> ticks;
  private final ScheduledFuture<?> observations;
  private boolean closed;
  private boolean polling; // a poll of the other members is in flight (loop only)

  private EventStream(Dashboard dashboard, EventLoop loop, Duration observeEvery) {
    this.dashboard = dashboard;
    this.loop = loop;
    this.ticks =
        loop.scheduleAtFixedRate(
            this::tick, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    this.observations =
        loop.scheduleAtFixedRate(this::observe, 0, observeEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts taking chart points and watching the leader on {@code loop} (from now on, with or
   * without a page open, so that a page opened later shows the recent past).
   *
   * @param observeEvery how often the term and leader are looked at
   */
  public static EventStream start(Dashboard dashboard, EventLoop loop, Duration observeEvery) {
    return new EventStream(dashboard, loop, observeEvery);
  }

  /**
   * Answers {@code GET /events} on {@code ctx}'s connection: the stream's head, then the first
   * snapshot with the kept history; the connection then belongs to the stream. Call on the loop
   * given to {@link #start}.
   */
  public void open(ChannelHandlerContext ctx) {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("open the stream on the admin event loop");
    }
    Channel ch = ctx.channel();
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    HttpUtil.setTransferEncodingChunked(head, true);
    if (closed) {
      ctx.writeAndFlush(head);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    boolean first = streams.isEmpty();
    streams.add(ch);
    // the channel's loop is this one (open runs on it), so its close listener runs here too
    ch.closeFuture().addListener(f -> streams.remove(ch));
    ctx.write(head);
    ctx.writeAndFlush(
        chunk(
            "retry: "
                + RETRY.toMillis()
                + "\n"
                + frame("snapshot", json(dashboard.snapshot(dashboard.history())))));
    if (first) {
      pollThenSend(List.of()); // the others' rows at once, not a period later
    }
  }

  /** How many streams are open. Call on the loop. */
  public int streams() {
    return streams.size();
  }

  private void tick() {
    // A periodic task that throws is never run again: one bad second must not end the dashboard.
    try {
      ChartSample point = dashboard.sample();
      if (streams.isEmpty()) {
        return;
      }
      pollThenSend(point == null ? List.of() : List.of(point));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "dashboard: a periodic update failed: " + e, e);
    }
  }

  /**
   * Polls the other members and sends a snapshot once all have answered or failed (within {@link
   * PeerPoller#DEADLINE}), so that every row is about as old as this member's own.
   */
  private void pollThenSend(List<ChartSample> points) {
    if (polling) {
      // the last poll has not ended (pages opened and closed quickly): no second one beside it
      send(dashboard.snapshot(points));
      return;
    }
    var answered = dashboard.poll();
    polling = true;
    answered.whenComplete(
        (done, failed) -> {
          try {
            loop.execute(
                () -> {
                  polling = false;
                  if (!closed && !streams.isEmpty()) {
                    send(dashboard.snapshot(points));
                  }
                });
          } catch (RejectedExecutionException shutDown) {
            // the endpoint is closing: no more snapshots
          }
        });
  }

  private void observe() {
    try {
      if (dashboard.observe() && !streams.isEmpty()) {
        send(dashboard.snapshot(List.of()));
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "dashboard: looking at the leader failed: " + e, e);
    }
  }

  private void send(ObjectNode snapshot) {
    String event = frame("snapshot", json(snapshot));
    for (Channel ch : new ArrayList<>(streams)) {
      if (ch.isWritable()) {
        ch.writeAndFlush(chunk(event));
      }
    }
  }

  /**
   * One server-sent event: its {@code event:} line, a {@code data:} line per line of {@code data},
   * and the blank line that ends it.
   */
  static String frame(String event, String data) {
    StringBuilder b = new StringBuilder("event: ").append(event).append('\n');
    for (String line : data.split("\r\n|\r|\n", -1)) {
      b.append("data: ").append(line).append('\n');
    }
    return b.append('\n').toString();
  }

  private static DefaultHttpContent chunk(String text) {
    return new DefaultHttpContent(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static String json(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /**
   * Stops the ticks and ends every stream (its last chunk, then the connection closes). Waits for
   * the loop when called from another thread.
   */
  @Override
  public void close() {
    if (!loop.inEventLoop()) {
      if (!loop.isShuttingDown()) {
        loop.submit(this::close).syncUninterruptibly();
      }
      return;
    }
    closed = true;
    ticks.cancel(false);
    observations.cancel(false);
    for (Channel ch : new ArrayList<>(streams)) {
      ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }
    streams.clear();
  }
}

package dev.raftkv.compat;

import com.google.protobuf.TextFormat;
import dev.raftkv.api.etcdserverpb.WatchGrpc;
import dev.raftkv.api.etcdserverpb.WatchRequest;
import dev.raftkv.api.etcdserverpb.WatchResponse;
import dev.raftkv.api.mvccpb.Event;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One Watch stream, recording every response in arrival order, with waits for the responses the
 * differential test needs: the next {@code created} reply, a watcher's cancel, an event at or above
 * a revision.
 */
final class WatchSession implements AutoCloseable {
  private final List<WatchResponse> responses = new ArrayList<>();
  private final StreamObserver<WatchRequest> requests;
  private int createdSeen;
  private Throwable failure;
  private boolean completed;

  WatchSession(Channel channel) {
    requests =
        WatchGrpc.newStub(channel)
            .watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse r) {
                    synchronized (responses) {
                      responses.add(r);
                      responses.notifyAll();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    synchronized (responses) {
                      failure = t;
                      responses.notifyAll();
                    }
                  }

                  @Override
                  public void onCompleted() {
                    synchronized (responses) {
                      completed = true;
                      responses.notifyAll();
                    }
                  }
                });
  }

  /** Sends one request on the stream. */
  void send(WatchRequest r) {
    synchronized (requests) {
      requests.onNext(r);
    }
  }

  /** The next {@code created} reply not returned before, or null if none came in time. */
  WatchResponse awaitCreated(long timeoutMillis) throws InterruptedException {
    WatchResponse r = await(WatchResponse::getCreated, createdSeen, timeoutMillis);
    if (r != null) {
      createdSeen++;
    }
    return r;
  }

  /**
   * The response that canceled watcher {@code id} (its latest creation; not its created reply), or
   * null in time.
   */
  WatchResponse awaitCanceled(long id, long timeoutMillis) throws InterruptedException {
    return awaitOf(id, WatchResponse::getCanceled, timeoutMillis);
  }

  /**
   * Waits until watcher {@code id} (its latest creation) got an event at revision {@code rev} or
   * above, or was canceled.
   *
   * @return whether that happened in time
   */
  boolean awaitEventOrCancel(long id, long rev, long timeoutMillis) throws InterruptedException {
    Predicate<WatchResponse> p =
        r ->
            r.getCanceled()
                || r.getEventsList().stream().anyMatch(e -> e.getKv().getModRevision() >= rev);
    return awaitOf(id, p, timeoutMillis) != null;
  }

  /**
   * The first response matching {@code p} among those of watcher {@code id} since its latest
   * created reply, waiting up to {@code timeoutMillis}; null on timeout or when the stream ended.
   */
  private WatchResponse awaitOf(long id, Predicate<WatchResponse> p, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (responses) {
      while (true) {
        for (WatchResponse r : responsesOf(id)) {
          if (p.test(r)) {
            return r;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || failure != null || completed) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(responses, left);
      }
    }
  }

  /**
   * The n-th (from {@code skip}) response matching {@code p}, waiting up to {@code timeoutMillis};
   * null on timeout or when the stream ended.
   */
  private WatchResponse await(Predicate<WatchResponse> p, int skip, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (responses) {
      while (true) {
        int seen = 0;
        for (WatchResponse r : responses) {
          if (p.test(r) && seen++ == skip) {
            return r;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || failure != null || completed) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(responses, left);
      }
    }
  }

  /**
   * Every response of watcher {@code id} after its latest created reply, in arrival order (a
   * client-chosen id can be used again once its watcher is canceled).
   */
  List<WatchResponse> responsesOf(long id) {
    List<WatchResponse> out = new ArrayList<>();
    synchronized (responses) {
      for (WatchResponse r : responses) {
        if (r.getWatchId() != id) {
          continue;
        }
        if (r.getCreated()) {
          out.clear();
        } else {
          out.add(r);
        }
      }
    }
    return out;
  }

  /**
   * The watcher's history as comparable lines: each event on its own line (the grouping of events
   * into responses is etcd's timing, not part of the contract), then the cancel response if any.
   */
  List<String> flatHistory(long id) {
    return flatHistory(id, Long.MAX_VALUE);
  }

  /** {@link #flatHistory(long)} without the events above {@code maxRevision}. */
  List<String> flatHistory(long id, long maxRevision) {
    List<String> lines = new ArrayList<>();
    for (WatchResponse r : responsesOf(id)) {
      for (Event e : r.getEventsList()) {
        if (e.getKv().getModRevision() > maxRevision) {
          continue;
        }
        lines.add("event " + TextFormat.printer().emittingSingleLine(true).printToString(e));
      }
      if (r.getCanceled()) {
        lines.add(
            "canceled "
                + TextFormat.printer()
                    .emittingSingleLine(true)
                    .printToString(Outcomes.normalize(r.toBuilder().clearEvents().build())));
      }
    }
    return lines;
  }

  /**
   * Checks that no revision's events were split over two responses of one watcher and that
   * revisions only grow; returns a description of the first violation or null.
   */
  String groupingViolation(long id) {
    long last = 0;
    for (WatchResponse r : responsesOf(id)) {
      if (r.getFragment()) {
        continue;
      }
      for (Event e : r.getEventsList()) {
        long rev = e.getKv().getModRevision();
        if (rev < last) {
          return "watcher " + id + ": revision " + rev + " after " + last + " in " + r;
        }
        last = rev;
      }
      if (!r.getEventsList().isEmpty()) {
        last++; // the next response must start above the last revision of this one
      }
    }
    return null;
  }

  /** Any stream failure, for the report. */
  String failure() {
    synchronized (responses) {
      return failure == null ? null : failure.toString();
    }
  }

  @Override
  public void close() {
    synchronized (requests) {
      try {
        requests.onCompleted();
      } catch (RuntimeException ignored) {
        // the stream already failed
      }
    }
  }
}

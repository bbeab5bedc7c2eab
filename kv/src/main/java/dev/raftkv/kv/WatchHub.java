package dev.raftkv.kv;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fans the store's changes out to watchers, as etcd's watchable store does. Each watcher has the
 * next revision it must see. A <em>synced</em> watcher gets live events from {@link
 * KvStateMachine.ApplyListener#applied} (on the apply thread, which only queues them); an
 * <em>unsynced</em> one replays {@link dev.raftkv.kv.KvStore#changes} on a sender thread until it
 * reaches what the hub has been told, then turns synced under the hub lock, so nothing is missed or
 * sent twice.
 *
 * <p>Each stream has a bounded queue of responses. When it is full, a watcher that would get live
 * events is turned unsynced at the revision it missed and later replays it from history (so a slow
 * stream never blocks the apply thread and loses nothing); if that history has been compacted
 * meanwhile, the watcher is canceled with {@code compact_revision}, as etcd does.
 *
 * <p>The hub knows no wire format: it hands {@link WatchReply replies} to each stream's {@link
 * Sink}, which the server turns into etcd's {@code WatchResponse}s (and splits into fragments).
 */
public final class WatchHub implements KvStateMachine.ApplyListener, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WatchHub.class.getName());

  /** Responses a stream may hold before live events turn its watchers to replaying. */
  public static final int DEFAULT_QUEUE_LIMIT = 1024;

  /** How long closing lets the senders finish the replies they are writing. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  /** About how many events one replayed response carries (a revision is never split). */
  static final int REPLAY_EVENTS = 256;

  /**
   * Where a stream's replies go: the server's side of one Watch call. Called by one sender thread
   * at a time, never under the hub's lock.
   */
  public interface Sink {
    /** Whether the call can take a reply now without buffering (flow control). */
    boolean ready();

    /** Sends one reply. */
    void send(WatchReply reply);

    /** Ends the call because the server stops ({@code UNAVAILABLE}: clients resume elsewhere). */
    void stopped();

    /** Ends the call because sending failed. */
    void failed(RuntimeException e);
  }

  private final KvStateMachine kv;
  private final int queueLimit;
  private final ExecutorService senders;
  private final ScheduledFuture<?> progress;
  private final Object lock = new Object();

  // Guarded by lock.
  private final Set<Stream> streams = new LinkedHashSet<>();

  /** Every event up to this revision has been handed to the hub (or is in the store's history). */
  private long notified; // guarded by lock

  /**
   * The revision a watch created now from the current revision starts after: every event up to it
   * has been handed to the hub.
   */
  public long revision() {
    synchronized (lock) {
      return notified;
    }
  }

  /**
   * A hub fed by {@code kv}'s apply listener.
   *
   * @param queueLimit replies a stream may hold before live events turn its watchers to replaying
   * @param scheduler runs the progress notifications every {@code progressInterval}
   */
  public WatchHub(
      KvStateMachine kv,
      int queueLimit,
      ScheduledExecutorService scheduler,
      Duration progressInterval) {
    this.kv = kv;
    this.queueLimit = queueLimit;
    this.senders = Executors.newFixedThreadPool(2, daemon("watch-send"));
    kv.addApplyListener(this);
    synchronized (lock) {
      notified = Math.max(notified, kv.store().revision());
    }
    long ms = Math.max(1, progressInterval.toMillis());
    progress = scheduler.scheduleAtFixedRate(this::progressTick, ms, ms, TimeUnit.MILLISECONDS);
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Opens a stream answering on {@code out}. The caller wires the call's flow control to {@link
   * Stream#schedule} (ready again) and its end to {@link Stream#close}.
   */
  public Stream open(Sink out) {
    Stream s = new Stream(out);
    synchronized (lock) {
      streams.add(s);
    }
    return s;
  }

  /**
   * Stops the hub: every open stream ends with {@code UNAVAILABLE etcdserver: server stopped} (as
   * etcd's stopping server answers), which clients take as a cue to resume the watch on another
   * member; a cancelled stream would make them give up.
   */
  @Override
  public void close() {
    kv.removeApplyListener(this);
    List<Stream> open;
    synchronized (lock) {
      open = new ArrayList<>(streams);
    }
    for (Stream s : open) {
      s.stop();
    }
    progress.cancel(false);
    senders.shutdown();
    try {
      senders.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    senders.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------
  // The apply thread

  @Override
  public void applied(List<ApplyResult> results) {
    synchronized (lock) {
      for (ApplyResult r : results) {
        List<Event> evs = r.events();
        int i = 0;
        while (i < evs.size()) {
          long rev = evs.get(i).kv().modRevision();
          int j = i;
          while (j < evs.size() && evs.get(j).kv().modRevision() == rev) {
            j++;
          }
          deliver(rev, evs.subList(i, j));
          i = j;
        }
        notified = Math.max(notified, r.revision());
      }
    }
  }

  @Override
  public void restored(long revision) {
    synchronized (lock) {
      for (Stream s : streams) {
        for (Watcher w : s.watchers.values()) {
          w.synced = false;
        }
        s.schedule();
      }
      notified = revision;
    }
  }

  /** Queues one revision's events to every synced watcher that wants them. Holds the lock. */
  private void deliver(long rev, List<Event> group) {
    for (Stream s : streams) {
      for (Watcher w : s.watchers.values()) {
        if (!w.synced || rev < w.next) {
          continue;
        }
        List<Event> mine = new ArrayList<>();
        for (Event e : group) {
          if (w.wants(e)) {
            mine.add(e);
          }
        }
        if (!mine.isEmpty()) {
          if (s.queued() >= queueLimit) {
            w.synced = false; // replays from rev on, once the stream has room
            s.schedule();
            continue;
          }
          s.enqueue(WatchReply.events(w.id, rev, mine, w.prevKv, w.fragment));
          w.sentSinceTick = true;
        }
        w.next = rev + 1;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Progress notifications (the scheduler's thread)

  private void progressTick() {
    synchronized (lock) {
      for (Stream s : streams) {
        for (Watcher w : s.watchers.values()) {
          if (w.progressNotify && w.synced && s.queued() < queueLimit) {
            if (!w.sentSinceTick) {
              s.enqueue(WatchReply.progress(w.id, notified));
            }
            w.sentSinceTick = false;
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** One watcher: what it watches and the next revision it must see. */
  static final class Watcher {
    final long id;
    final byte[] key;

    /** null: the single key; empty: every key from {@code key} on; else the exclusive end. */
    final byte[] end;

    final boolean noPut;
    final boolean noDelete;
    final boolean prevKv;
    final boolean progressNotify;
    final boolean fragment;
    long next; // guarded by the hub lock, as the rest below
    boolean synced;
    boolean sentSinceTick;

    Watcher(
        long id,
        byte[] key,
        byte[] end,
        boolean noPut,
        boolean noDelete,
        boolean prevKv,
        boolean progressNotify,
        boolean fragment) {
      this.id = id;
      this.key = key;
      this.end = end;
      this.noPut = noPut;
      this.noDelete = noDelete;
      this.prevKv = prevKv;
      this.progressNotify = progressNotify;
      this.fragment = fragment;
    }

    boolean wants(Event e) {
      if (e.type() == Event.Type.PUT ? noPut : noDelete) {
        return false;
      }
      byte[] k = e.kv().key();
      if (end == null) {
        return Arrays.equals(k, key);
      }
      return Arrays.compareUnsigned(k, key) >= 0
          && (end.length == 0 || Arrays.compareUnsigned(k, end) < 0);
    }
  }

  /**
   * What a create request asks for (the service parses the wire message into this).
   *
   * @param end null: the single key; empty: every key from {@code key} on; else the exclusive end
   * @param startRevision the first revision to send (0 or less: from the next one)
   */
  public record Create(
      long watchId,
      byte[] key,
      byte[] end,
      long startRevision,
      boolean noPut,
      boolean noDelete,
      boolean prevKv,
      boolean progressNotify,
      boolean fragment) {}

  /** One Watch RPC: its watchers and its outgoing queue, sent by one sender task at a time. */
  public final class Stream {
    private final Sink out;
    private final Map<Long, Watcher> watchers = new LinkedHashMap<>(); // guarded by hub lock
    private long nextId; // guarded by hub lock
    // watchers canceled because their history was compacted: as in etcd, their ids stay taken on
    // the stream until the client cancels them (guarded by hub lock)
    private final Set<Long> compactedIds = new LinkedHashSet<>();
    private boolean progressPending; // guarded by hub lock
    private final ArrayDeque<WatchReply> queue = new ArrayDeque<>(); // guarded by itself
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean stopRequested;

    private Stream(Sink out) {
      this.out = out;
    }

    /** etcd's create: a created reply (in request order), then the watcher's events. */
    public void create(Create c) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        // etcd refuses these with watch id -1, created and canceled at once
        if (c.end() != null && c.end().length > 0 && Bytes.compare(c.key(), c.end()) >= 0) {
          refuse("mvcc: watcher range is empty");
          return;
        }
        if (c.watchId() > 0
            && (watchers.containsKey(c.watchId()) || compactedIds.contains(c.watchId()))) {
          refuse("mvcc: duplicate watch ID provided on the WatchStream");
          return;
        }
        long id = c.watchId();
        if (id <= 0) {
          while (watchers.containsKey(nextId) || compactedIds.contains(nextId)) {
            nextId++;
          }
          id = nextId++;
        }
        Watcher w =
            new Watcher(
                id,
                c.key(),
                c.end(),
                c.noPut(),
                c.noDelete(),
                c.prevKv(),
                c.progressNotify(),
                c.fragment());
        long start = c.startRevision();
        if (start <= 0 || start > notified) {
          w.synced = true;
          w.next = start <= 0 ? notified + 1 : start;
        } else {
          w.synced = false;
          w.next = start;
        }
        enqueue(WatchReply.created(id, notified));
        watchers.put(id, w);
      }
    }

    /**
     * Refuses a create the server does not allow (etcd's permission check at creation): watch id
     * -1, created and canceled at once, with {@code reason}, in request order.
     */
    public void refuseCreate(String reason) {
      synchronized (lock) {
        if (!closed) {
          refuse(reason);
        }
      }
    }

    private void refuse(String reason) {
      enqueue(WatchReply.refused(notified, reason));
    }

    /** etcd's cancel: a canceled reply for a watcher of this stream; unknown ids are ignored. */
    public void cancel(long watchId) {
      synchronized (lock) {
        if (watchers.remove(watchId) != null || compactedIds.remove(watchId)) {
          enqueue(WatchReply.canceled(watchId, notified));
          maybeSendProgress();
        }
      }
    }

    /**
     * etcd's progress request: a reply with watch id -1 and a revision every watcher of the stream
     * has seen; deferred until the replaying ones catch up.
     */
    public void progress() {
      synchronized (lock) {
        progressPending = true;
        maybeSendProgress();
      }
    }

    /** Holds the hub lock. */
    private void maybeSendProgress() {
      if (!progressPending) {
        return;
      }
      for (Watcher w : watchers.values()) {
        if (!w.synced) {
          return;
        }
      }
      progressPending = false;
      enqueue(WatchReply.progress(-1, notified));
    }

    /** The server stops: drop the watchers and end the call with UNAVAILABLE. */
    void stop() {
      synchronized (lock) {
        watchers.clear();
        streams.remove(this);
      }
      stopRequested = true;
      schedule();
    }

    /** The call is gone (cancelled, failed or completed): drop everything. */
    public void close() {
      closed = true;
      synchronized (lock) {
        watchers.clear();
        streams.remove(this);
      }
      synchronized (queue) {
        queue.clear();
      }
    }

    int queued() {
      synchronized (queue) {
        return queue.size();
      }
    }

    private void enqueue(WatchReply reply) {
      synchronized (queue) {
        queue.add(reply);
      }
      schedule();
    }

    /** Sends what is queued and replays what is due, on a sender thread (the call is ready). */
    public void schedule() {
      if (!closed && scheduled.compareAndSet(false, true)) {
        try {
          senders.execute(this::pump);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          scheduled.set(false);
        }
      }
    }

    private void pump() {
      try {
        while (!closed) {
          if (stopRequested) {
            closed = true;
            out.stopped();
            return;
          }
          boolean sent = false;
          while (out.ready()) {
            WatchReply o;
            synchronized (queue) {
              o = queue.poll();
            }
            if (o == null) {
              break;
            }
            out.send(o);
            sent = true;
          }
          boolean replayed = queued() < queueLimit && replayOne();
          if (!sent && !replayed) {
            break;
          }
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "watch stream failed", e);
        close();
        try {
          out.failed(e);
        } catch (RuntimeException ignored) {
          // the call is already gone
        }
      } finally {
        scheduled.set(false);
        if (!closed && hasWork()) {
          schedule();
        }
      }
    }

    private boolean hasWork() {
      if (stopRequested) {
        return true;
      }
      boolean pending;
      synchronized (queue) {
        pending = !queue.isEmpty();
      }
      if (pending && out.ready()) {
        return true;
      }
      if (queued() >= queueLimit) {
        return false;
      }
      synchronized (lock) {
        for (Watcher w : watchers.values()) {
          if (!w.synced) {
            return true;
          }
        }
      }
      return false;
    }

    /** Replays one slice of history to one unsynced watcher; false if none needs it. */
    private boolean replayOne() {
      Watcher w = null;
      long from;
      synchronized (lock) {
        for (Watcher x : watchers.values()) {
          if (!x.synced) {
            w = x;
            break;
          }
        }
        if (w == null) {
          return false;
        }
        from = w.next;
      }
      Changes c;
      try {
        c = kv.store().changes(from, REPLAY_EVENTS, w.prevKv);
      } catch (RuntimeException e) {
        boolean compacted = e instanceof KvException k && k.code() == KvException.Code.COMPACTED;
        WatchReply cancel;
        if (compacted) {
          // etcd's compaction cancel carries its mvcc response's revision, 0, in the header
          cancel = WatchReply.compacted(w.id, kv.store().compactedRevision());
        } else {
          LOG.log(System.Logger.Level.WARNING, "replaying history for watcher " + w.id, e);
          cancel = WatchReply.failed(w.id, notified, String.valueOf(e.getMessage()));
        }
        synchronized (lock) {
          if (watchers.get(w.id) == w) {
            watchers.remove(w.id);
            if (compacted) {
              compactedIds.add(w.id);
            }
            enqueue(cancel);
            maybeSendProgress();
          }
        }
        return true;
      }
      synchronized (lock) {
        if (watchers.get(w.id) != w || w.synced || w.next != from) {
          return true; // changed meanwhile; look again
        }
        List<Event> mine = new ArrayList<>();
        for (Event e : c.events()) {
          if (e.kv().modRevision() >= w.next && w.wants(e)) {
            mine.add(e);
          }
        }
        if (!mine.isEmpty()) {
          enqueue(WatchReply.events(w.id, c.revision(), mine, w.prevKv, w.fragment));
          w.sentSinceTick = true;
        }
        w.next = Math.max(w.next, c.nextRevision());
        if (w.next > notified) {
          w.synced = true;
          maybeSendProgress();
        }
      }
      return true;
    }
  }
}

package dev.raftkv.testkit.lin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Records a history while clients run against a real or simulated cluster. Thread-safe: any number
 * of client threads may call it at once.
 *
 * <p>Call an {@code invoke…} method right before sending a request; it reads the clock and returns
 * the operation's id. Call one of {@link #completeGet}, {@link #completeWrite}, {@link #fail} right
 * after the answer arrives. An operation never completed (for example, the client timed out and
 * moved on, which is the usual way to record a timeout) stays {@link Outcome#UNKNOWN}. Reading the
 * clock inside these calls keeps each recorded interval around the real one, which is what the
 * checker needs; the clock must be monotonic and shared by all clients (pass {@code
 * System::nanoTime}, or the simulator's virtual clock).
 */
public final class HistoryRecorder {
  private final LongSupplier nanoClock;
  private final AtomicLong nextId = new AtomicLong(1);
  private final Map<Long, Op> ops = new ConcurrentHashMap<>();

  /**
   * @param nanoClock a monotonic clock in nanoseconds
   */
  public HistoryRecorder(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** Records the invocation of a get; returns its id. */
  public long invokeGet(int client, String key) {
    return invoke(client, OpKind.GET, key, null, null, Op.NO_REVISION);
  }

  /** Records the invocation of a put; returns its id. */
  public long invokePut(int client, String key, String value) {
    return invoke(client, OpKind.PUT, key, value, null, Op.NO_REVISION);
  }

  /** Records the invocation of a delete; returns its id. */
  public long invokeDelete(int client, String key) {
    return invoke(client, OpKind.DELETE, key, null, null, Op.NO_REVISION);
  }

  /** Records the invocation of a CAS comparing on the value; returns its id. */
  public long invokeCasValue(int client, String key, String expectValue, String newValue) {
    return invoke(client, OpKind.CAS, key, newValue, expectValue, Op.NO_REVISION);
  }

  /**
   * Records the invocation of a CAS comparing on the mod revision ({@code 0}: the key must be
   * absent); returns its id.
   */
  public long invokeCasModRev(int client, String key, long expectModRev, String newValue) {
    return invoke(client, OpKind.CAS, key, newValue, null, expectModRev);
  }

  private long invoke(
      int client, OpKind kind, String key, String value, String expectValue, long expectModRev) {
    long id = nextId.getAndIncrement();
    long now = nanoClock.getAsLong();
    ops.put(id, Op.invoke(id, client, kind, key, value, expectValue, expectModRev, now));
    return id;
  }

  /**
   * Records the answer to a get.
   *
   * @param value the value read, {@code null} when the key was absent
   * @param modRev the key's mod revision ({@value Op#NO_REVISION} if not known)
   * @param createRev the key's create revision ({@value Op#NO_REVISION} if not known)
   * @param version the key's version ({@value Op#NO_REVISION} if not known)
   * @param revision the response header revision ({@value Op#NO_REVISION} if not known)
   */
  public void completeGet(
      long id, String value, long modRev, long createRev, long version, long revision) {
    long now = nanoClock.getAsLong();
    Op op = pending(id);
    complete(op, op.completeGet(now, value, modRev, createRev, version, revision));
  }

  /**
   * Records the answer to a put, delete or CAS.
   *
   * @param succeeded for a CAS whether the compare held, for a delete whether a key was deleted;
   *     ignored for a put
   * @param revision the response header revision ({@value Op#NO_REVISION} if not known)
   */
  public void completeWrite(long id, boolean succeeded, long revision) {
    long now = nanoClock.getAsLong();
    Op op = pending(id);
    complete(op, op.completeWrite(now, succeeded, revision));
  }

  /**
   * Records that the operation definitely did not take effect. Use only when that is certain (the
   * request was refused before it could be proposed); a timeout is not a failure.
   */
  public void fail(long id) {
    long now = nanoClock.getAsLong();
    Op op = pending(id);
    complete(op, op.failed(now));
  }

  private Op pending(long id) {
    Op op = ops.get(id);
    if (op == null) {
      throw new IllegalArgumentException("no operation " + id);
    }
    if (op.outcome() != Outcome.UNKNOWN) {
      throw new IllegalStateException("operation " + id + " was already completed");
    }
    return op;
  }

  /** Replaces the pending operation atomically, so two completions cannot both succeed. */
  private void complete(Op pending, Op done) {
    if (!ops.replace(pending.id(), pending, done)) {
      throw new IllegalStateException("operation " + pending.id() + " was already completed");
    }
  }

  /** The history so far, in id order; operations not yet completed are UNKNOWN. */
  public List<Op> history() {
    List<Op> list = new ArrayList<>(ops.values());
    list.sort(Comparator.comparingLong(Op::id));
    return list;
  }

  /** Writes {@link #history()} as a JSON lines file (see {@link HistoryJson}). */
  public void writeTo(Path file) throws IOException {
    HistoryJson.write(file, history());
  }
}

package dev.raftkv.testkit.lin;

import java.util.Objects;

/**
 * One operation of a history: what a client asked for, when, and what it learned.
 *
 * <p>Times are from one monotonic nanosecond clock shared by all clients of the history (the
 * recorder's). Operation {@code a} happened before {@code b} in real time exactly when {@code
 * a.completeNanos() < b.invokeNanos()}; otherwise they are concurrent. The invoke time must be read
 * before the request is sent and the complete time after the answer arrived, so the interval
 * contains the moment the store executed the operation.
 *
 * <p>Fields that do not apply to an operation hold their "unused" value: {@code null} for strings,
 * {@value #NO_REVISION} for revisions and versions, {@code false} for {@link #succeeded}. The
 * constructor rejects any other combination, so a history has one spelling.
 *
 * @param id unique within the history; used in reports and as a tie-breaker
 * @param client the client (session) that issued it; informational, the checker does not assume
 *     that a client's operations are sequential
 * @param kind what was asked
 * @param key the single key the operation touches (etcd keys are bytes; recorders encode them, the
 *     checker treats them as opaque strings)
 * @param value {@link OpKind#PUT}: the value written; {@link OpKind#CAS}: the value written when
 *     the compare holds; otherwise {@code null}. Values are opaque non-null strings.
 * @param expectValue {@link OpKind#CAS} comparing on the value: the value the key must hold (an
 *     absent key never matches, as in etcd); otherwise {@code null}
 * @param expectModRev {@link OpKind#CAS} comparing on the mod revision: the mod revision the key
 *     must have, {@code 0} meaning "the key is absent" (create-if-absent); otherwise {@value
 *     #NO_REVISION}. Exactly one of {@code expectValue} and {@code expectModRev} is used by a CAS.
 * @param invokeNanos when the client issued the request
 * @param completeNanos when the client received the answer (or learned it failed); {@link
 *     #NOT_RETURNED} exactly when the outcome is {@link Outcome#UNKNOWN}
 * @param outcome what the client learned
 * @param readValue {@link OpKind#GET} with outcome OK: the value read, {@code null} when the key
 *     was absent; otherwise {@code null}
 * @param readModRev GET OK on a present key: the key's mod revision, or {@value #NO_REVISION} if
 *     not recorded (then it is not checked); otherwise {@value #NO_REVISION}
 * @param readCreateRev GET OK on a present key: the key's create revision, or {@value #NO_REVISION}
 *     if not recorded; otherwise {@value #NO_REVISION}
 * @param readVersion GET OK on a present key: the key's version (number of writes since it was
 *     created, 1 after the first put), or {@value #NO_REVISION} if not recorded; otherwise {@value
 *     #NO_REVISION}
 * @param succeeded outcome OK only: for {@link OpKind#CAS} whether the compare held (and the put
 *     ran); for {@link OpKind#DELETE} whether a key was deleted (deleted count 1); {@code false} in
 *     every other case
 * @param revision outcome OK only: the revision in the response header (the store's revision after
 *     the operation: the new revision for a write that changed something, the current one for a
 *     read or a write that changed nothing), or {@value #NO_REVISION} if not recorded
 */
public record Op(
    long id,
    int client,
    OpKind kind,
    String key,
    String value,
    String expectValue,
    long expectModRev,
    long invokeNanos,
    long completeNanos,
    Outcome outcome,
    String readValue,
    long readModRev,
    long readCreateRev,
    long readVersion,
    boolean succeeded,
    long revision) {

  /** The "unused" or "not recorded" value of the revision and version fields. */
  public static final long NO_REVISION = -1;

  /** The complete time of an operation whose outcome is {@link Outcome#UNKNOWN}. */
  public static final long NOT_RETURNED = Long.MAX_VALUE;

  /** Checks the field combinations documented on the record. */
  public Op {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(outcome, "outcome");
    boolean writesValue = kind == OpKind.PUT || kind == OpKind.CAS;
    require(writesValue == (value != null), id, "value is required for put and cas only");
    if (kind == OpKind.CAS) {
      require(
          (expectValue != null) != (expectModRev >= 0),
          id,
          "a cas compares on exactly one of expectValue and expectModRev");
    } else {
      require(
          expectValue == null && expectModRev == NO_REVISION,
          id,
          "expectValue and expectModRev are for cas only");
    }
    require(expectModRev >= NO_REVISION, id, "expectModRev must be -1 or at least 0");
    require(
        (outcome == Outcome.UNKNOWN) == (completeNanos == NOT_RETURNED),
        id,
        "complete is absent exactly when the outcome is unknown");
    require(completeNanos >= invokeNanos, id, "complete must not be before invoke");
    boolean okGet = kind == OpKind.GET && outcome == Outcome.OK;
    require(okGet || readValue == null, id, "readValue is for a get with outcome ok only");
    boolean readsMeta = okGet && readValue != null;
    for (long r : new long[] {readModRev, readCreateRev, readVersion}) {
      require(
          readsMeta ? r >= NO_REVISION : r == NO_REVISION,
          id,
          "readModRev, readCreateRev and readVersion are for a get that found the key only");
    }
    require(
        !succeeded || (outcome == Outcome.OK && (kind == OpKind.CAS || kind == OpKind.DELETE)),
        id,
        "succeeded is for an ok cas or delete only");
    require(
        outcome == Outcome.OK ? revision >= NO_REVISION : revision == NO_REVISION,
        id,
        "revision is for an ok operation only");
  }

  private static void require(boolean condition, long id, String message) {
    if (!condition) {
      throw new IllegalArgumentException("op " + id + ": " + message);
    }
  }

  /**
   * A just-invoked operation, outcome {@link Outcome#UNKNOWN} until completed with one of the
   * {@code complete…} methods or {@link #failed}.
   */
  public static Op invoke(
      long id,
      int client,
      OpKind kind,
      String key,
      String value,
      String expectValue,
      long expectModRev,
      long invokeNanos) {
    return new Op(
        id,
        client,
        kind,
        key,
        value,
        expectValue,
        expectModRev,
        invokeNanos,
        NOT_RETURNED,
        Outcome.UNKNOWN,
        null,
        NO_REVISION,
        NO_REVISION,
        NO_REVISION,
        false,
        NO_REVISION);
  }

  /** This get, answered: {@code readValue} null when the key was absent. */
  public Op completeGet(
      long completeNanos,
      String readValue,
      long readModRev,
      long readCreateRev,
      long readVersion,
      long revision) {
    require(kind == OpKind.GET, id, "completeGet on a " + kind.wireName());
    return new Op(
        id,
        client,
        kind,
        key,
        value,
        expectValue,
        expectModRev,
        invokeNanos,
        completeNanos,
        Outcome.OK,
        readValue,
        readValue == null ? NO_REVISION : readModRev,
        readValue == null ? NO_REVISION : readCreateRev,
        readValue == null ? NO_REVISION : readVersion,
        false,
        revision);
  }

  /**
   * This put, delete or cas, answered. {@code succeeded}: for a cas whether the compare held, for a
   * delete whether a key was deleted, ignored (stored as false) for a put.
   */
  public Op completeWrite(long completeNanos, boolean succeeded, long revision) {
    require(kind != OpKind.GET, id, "completeWrite on a get");
    return new Op(
        id,
        client,
        kind,
        key,
        value,
        expectValue,
        expectModRev,
        invokeNanos,
        completeNanos,
        Outcome.OK,
        null,
        NO_REVISION,
        NO_REVISION,
        NO_REVISION,
        kind != OpKind.PUT && succeeded,
        revision);
  }

  /** This operation, known not to have taken effect. */
  public Op failed(long completeNanos) {
    return new Op(
        id,
        client,
        kind,
        key,
        value,
        expectValue,
        expectModRev,
        invokeNanos,
        completeNanos,
        Outcome.FAIL,
        null,
        NO_REVISION,
        NO_REVISION,
        NO_REVISION,
        false,
        NO_REVISION);
  }

  /** Whether the client got an answer (outcome OK). */
  public boolean isOk() {
    return outcome == Outcome.OK;
  }

  /** Whether this is an OK operation that created a new store revision (a write that wrote). */
  public boolean isEffectiveWrite() {
    return outcome == Outcome.OK
        && (kind == OpKind.PUT || ((kind == OpKind.CAS || kind == OpKind.DELETE) && succeeded));
  }

  /**
   * One line for reports, e.g. {@code #7 c2 put k="v1" [100..250] ok rev=12} or {@code #9 c1 get k
   * [120..300] ok -> "v1" mod=12 ver=1 rev=12}.
   */
  public String brief() {
    StringBuilder b = new StringBuilder();
    b.append('#').append(id).append(" c").append(client).append(' ').append(kind.wireName());
    b.append(' ').append(key);
    if (kind == OpKind.CAS) {
      if (expectValue != null) {
        b.append(" if value=").append(quote(expectValue));
      } else {
        b.append(" if mod=").append(expectModRev);
      }
      b.append(" then");
    }
    if (value != null) {
      b.append('=').append(quote(value));
    }
    b.append(" [").append(invokeNanos).append("..");
    b.append(completeNanos == NOT_RETURNED ? "" : Long.toString(completeNanos)).append("] ");
    b.append(outcome.wireName());
    if (outcome == Outcome.OK) {
      if (kind == OpKind.GET) {
        b.append(" -> ").append(readValue == null ? "absent" : quote(readValue));
        appendIfKnown(b, " mod=", readModRev);
        appendIfKnown(b, " create=", readCreateRev);
        appendIfKnown(b, " ver=", readVersion);
      } else if (kind == OpKind.CAS) {
        b.append(succeeded ? " succeeded" : " compare-failed");
      } else if (kind == OpKind.DELETE) {
        b.append(succeeded ? " deleted" : " deleted-nothing");
      }
      appendIfKnown(b, " rev=", revision);
    }
    return b.toString();
  }

  private static void appendIfKnown(StringBuilder b, String label, long v) {
    if (v != NO_REVISION) {
      b.append(label).append(v);
    }
  }

  private static String quote(String s) {
    return '"' + s + '"';
  }
}

package dev.raftkv.testkit.lin;

/**
 * The sequential specification of one etcd key, as used by the per-key search.
 *
 * <h2>Revisions under per-key decomposition</h2>
 *
 * <p>etcd's revision is one counter for the whole store, but the checker searches each key on its
 * own. A linearization of the whole history, restricted to one key, must satisfy everything below,
 * so a key that violates it proves the history is not linearizable (the verdict is sound). The
 * converse does not hold; {@link LinearizabilityChecker} adds cheap cross-key checks.
 *
 * <ul>
 *   <li>Every operation carries the store revision it saw (the response header revision). Along the
 *       linearization of one key, a write that wrote gets a revision strictly greater than every
 *       write before it, and every operation sees a revision at least that of every write before
 *       it. {@link State#revLo()} is the least revision of the key's last write (a lower bound when
 *       that revision is not known). Reads check their header against it but do not raise it: a
 *       read that fits then leaves the state as it is, which lets the search place reads without
 *       trying their orders ({@link KeySearch}). What a read's header says about the writes after
 *       it ("no write of this key in (mod revision, header]") is checked once per read by {@link
 *       LinearizabilityChecker} instead.
 *   <li>A write that returned revision {@code R} sets the key's mod revision to {@code R} (and its
 *       create revision too when the key was absent). A write whose revision is not known (unknown
 *       outcome, or not recorded) leaves the mod revision <em>unknown</em> but at least {@code
 *       revLo + 1}; the first get that reports it, or a successful CAS that compared on it, binds
 *       it. A failed CAS against an unknown mod revision is accepted without binding.
 *   <li>A get reporting mod revision {@code M}, create revision {@code C} or version {@code V} must
 *       match the state, or binds the ones the state does not know. A value-only history (all
 *       revision fields {@value Op#NO_REVISION}) is checked on values alone.
 * </ul>
 *
 * <h2>Unknown outcomes</h2>
 *
 * <p>An operation with outcome {@link Outcome#UNKNOWN} is applied with its effect only. When that
 * effect would change nothing (a CAS whose compare is false, a delete of an absent key) the step is
 * refused: such an operation is equivalent to one that never happens, which the search already
 * covers by linearizing it after everything else, and refusing keeps the search small.
 */
final class KvModel {
  /** A revision or version that the model does not know. */
  static final long UNKNOWN = -1;

  private KvModel() {}

  /**
   * The state of one key.
   *
   * @param value the value, {@code null} when absent
   * @param modRev the mod revision; 0 when absent; {@link #UNKNOWN} after a write whose revision is
   *     not known
   * @param modRevFloor when {@code modRev} is unknown, the least it can be; 0 otherwise
   * @param createRev the create revision; 0 when absent; may be {@link #UNKNOWN}
   * @param version the number of writes since creation; 0 when absent; may be {@link #UNKNOWN}
   * @param revLo the least revision of the key's last write (0 before any)
   */
  record State(
      String value, long modRev, long modRevFloor, long createRev, long version, long revLo) {

    /** A key that was never written, at the start of the history. */
    static final State INITIAL = new State(null, 0, 0, 0, 0, 0);

    boolean present() {
      return value != null;
    }

    State withRevLo(long lo) {
      return lo == revLo ? this : new State(value, modRev, modRevFloor, createRev, version, lo);
    }

    /** For reports, e.g. {@code "v3" mod=7 create=2 ver=3, store revision >= 9}. */
    String describe() {
      StringBuilder b = new StringBuilder();
      if (!present()) {
        b.append("absent");
      } else {
        b.append('"').append(value).append('"');
        b.append(" mod=").append(modRev == UNKNOWN ? "?(>=" + modRevFloor + ")" : modRev);
        b.append(" create=").append(createRev == UNKNOWN ? "?" : Long.toString(createRev));
        b.append(" ver=").append(version == UNKNOWN ? "?" : Long.toString(version));
      }
      return b.append(", last write at revision >= ").append(revLo).toString();
    }
  }

  /**
   * Applies {@code op} (outcome OK or UNKNOWN; never a get with an unknown outcome) to {@code s}.
   *
   * @param why when not null and the step is refused, receives the reason
   * @return the next state, or {@code null} if {@code op} cannot take effect in state {@code s}
   *     with the results it reported (or, for an unknown outcome, would have no effect)
   */
  static State step(State s, Op op, StringBuilder why) {
    boolean ok = op.outcome() == Outcome.OK;
    switch (op.kind()) {
      case GET -> {
        return get(s, op, why);
      }
      case PUT -> {
        return write(s, op.value(), ok ? op.revision() : UNKNOWN, why);
      }
      case DELETE -> {
        if (!ok) {
          return s.present()
              ? delete(s, UNKNOWN, why)
              : refuse(why, "an unknown delete of an absent key has no effect");
        }
        if (op.succeeded()) {
          return s.present()
              ? delete(s, op.revision(), why)
              : refuse(why, "delete deleted the key but it is absent");
        }
        return s.present()
            ? refuse(why, "delete deleted nothing but the key holds " + quote(s.value()))
            : observe(s, op.revision(), why);
      }
      case CAS -> {
        return cas(s, op, why);
      }
    }
    throw new AssertionError(op.kind());
  }

  private static State get(State s, Op op, StringBuilder why) {
    long header = op.revision();
    if (header != UNKNOWN && header < s.revLo()) {
      return refuse(why, belowRevLo(header, s));
    }
    if (op.readValue() == null) {
      return s.present()
          ? refuse(why, "get found the key absent but it holds " + quote(s.value()))
          : s;
    }
    if (!s.present()) {
      return refuse(why, "get read " + quote(op.readValue()) + " but the key is absent");
    }
    if (!s.value().equals(op.readValue())) {
      return refuse(
          why, "get read " + quote(op.readValue()) + " but the key holds " + quote(s.value()));
    }
    long modRev = s.modRev();
    long m = op.readModRev();
    if (m != UNKNOWN) {
      if (modRev != UNKNOWN && m != modRev) {
        return refuse(why, "get saw mod revision " + m + " but the key's is " + modRev);
      }
      if (modRev == UNKNOWN && m < s.modRevFloor()) {
        return refuse(
            why, "get saw mod revision " + m + " but the last write came after " + s.revLo());
      }
      if (header != UNKNOWN && m > header) {
        return refuse(why, "get saw mod revision " + m + " above its header revision " + header);
      }
      modRev = m;
    }
    long createRev = s.createRev();
    long c = op.readCreateRev();
    if (c != UNKNOWN) {
      if (createRev != UNKNOWN && c != createRev) {
        return refuse(why, "get saw create revision " + c + " but the key's is " + createRev);
      }
      createRev = c;
    }
    long version = s.version();
    long v = op.readVersion();
    if (v != UNKNOWN) {
      if (version != UNKNOWN && v != version) {
        return refuse(why, "get saw version " + v + " but the key's is " + version);
      }
      version = v;
    }
    long lo = Math.max(s.revLo(), modRev);
    long floor = modRev == UNKNOWN ? s.modRevFloor() : 0;
    return new State(s.value(), modRev, floor, createRev, version, lo);
  }

  private static State cas(State s, Op op, StringBuilder why) {
    Boolean holds; // null: cannot tell (compare on an unknown mod revision)
    String compare;
    if (op.expectValue() != null) {
      holds = s.present() && s.value().equals(op.expectValue());
      compare = "value " + quote(op.expectValue());
    } else {
      long e = op.expectModRev();
      compare = "mod revision " + e;
      if (!s.present()) {
        holds = e == 0;
      } else if (s.modRev() != UNKNOWN) {
        holds = s.modRev() == e;
      } else {
        holds = e >= Math.max(1, s.modRevFloor()) ? null : Boolean.FALSE;
      }
    }
    boolean ok = op.outcome() == Outcome.OK;
    if (ok && !op.succeeded()) {
      return Boolean.TRUE.equals(holds)
          ? refuse(why, "cas on " + compare + " failed but it holds (" + s.describe() + ")")
          : observe(s, op.revision(), why);
    }
    if (Boolean.FALSE.equals(holds)) {
      return ok
          ? refuse(why, "cas on " + compare + " succeeded but the key is " + s.describe())
          : refuse(why, "an unknown cas whose compare is false has no effect");
    }
    State before = s;
    if (holds == null) { // bind the unknown mod revision to the one the compare matched
      long e = op.expectModRev();
      before = new State(s.value(), e, 0, s.createRev(), s.version(), Math.max(s.revLo(), e));
    }
    return write(before, op.value(), ok ? op.revision() : UNKNOWN, why);
  }

  private static State write(State s, String value, long rev, StringBuilder why) {
    if (rev != UNKNOWN && rev <= s.revLo()) {
      return refuse(
          why, "write got revision " + rev + ", not above revision " + s.revLo() + " seen before");
    }
    long version = !s.present() ? 1 : s.version() == UNKNOWN ? UNKNOWN : s.version() + 1;
    if (rev == UNKNOWN) {
      long create = s.present() ? s.createRev() : UNKNOWN;
      return new State(value, UNKNOWN, s.revLo() + 1, create, version, s.revLo() + 1);
    }
    long create = s.present() ? s.createRev() : rev;
    return new State(value, rev, 0, create, version, rev);
  }

  private static State delete(State s, long rev, StringBuilder why) {
    if (rev != UNKNOWN && rev <= s.revLo()) {
      return refuse(
          why, "delete got revision " + rev + ", not above revision " + s.revLo() + " seen before");
    }
    return State.INITIAL.withRevLo(rev == UNKNOWN ? s.revLo() + 1 : rev);
  }

  /** An operation that changed nothing but saw store revision {@code header}. */
  private static State observe(State s, long header, StringBuilder why) {
    if (header != UNKNOWN && header < s.revLo()) {
      return refuse(why, belowRevLo(header, s));
    }
    return s;
  }

  private static String belowRevLo(long header, State s) {
    return "header revision "
        + header
        + " is below revision "
        + s.revLo()
        + " of a write before it";
  }

  private static State refuse(StringBuilder why, String reason) {
    if (why != null) {
      why.append(reason);
    }
    return null;
  }

  static String quote(String s) {
    return '"' + s + '"';
  }
}

package dev.raftkv.kv;

import java.util.List;
import java.util.function.LongFunction;

/**
 * The permissions an op needs, checked at apply where etcd 3.4 checks them ({@code
 * etcdserver/apply_auth.go}): a range reads its range; a put writes its key (and reads it with
 * {@code prev_kv}), and writes every key already attached to its lease; a delete writes its range
 * (and reads it with {@code prev_kv}); a txn reads the range of every compare and needs what each
 * op of both branches needs, nested txns included; a lease revoke writes every key attached to the
 * lease; a compaction and every auth change but Authenticate need the root role. Lease grants and
 * the members' own ops need nothing.
 */
final class AuthChecks {
  private AuthChecks() {}

  /**
   * Throws etcd's refusal unless {@code user}, checked at auth revision {@code checkedRevision},
   * may run {@code op}; a request without credentials has a null user and revision 0.
   *
   * @param leaseKeys the keys attached to a lease now
   */
  static void check(
      AuthState s, String user, long checkedRevision, Op op, LongFunction<List<byte[]>> leaseKeys) {
    if (!s.enabled()) {
      return;
    }
    if (op instanceof Put p) {
      s.checkOp(user, checkedRevision, p.key(), null, Permission.Type.WRITE);
      if (p.lease() != 0) {
        checkWrites(s, user, checkedRevision, leaseKeys.apply(p.lease()));
      }
      if (p.prevKv()) {
        s.checkOp(user, checkedRevision, p.key(), null, Permission.Type.READ);
      }
    } else if (op instanceof Txn t) {
      checkTxn(s, user, checkedRevision, t);
    } else if (op instanceof Range r) {
      s.checkOp(user, checkedRevision, r.key(), r.rangeEnd(), Permission.Type.READ);
    } else if (op instanceof DeleteRange d) {
      checkDelete(s, user, checkedRevision, d);
    } else if (op instanceof LeaseRevokeRequest l) {
      checkWrites(s, user, checkedRevision, leaseKeys.apply(l.leaseId()));
    } else if (op instanceof Compact
        || (op instanceof AuthRequest && !(op instanceof AuthRequest.Authenticate))) {
      s.checkAdmin(user);
    }
    // lease grants, Authenticate (anyone may log in), member ops: no permission needed
  }

  private static void checkDelete(AuthState s, String user, long rev, DeleteRange d) {
    if (d.prevKv()) {
      s.checkOp(user, rev, d.key(), d.rangeEnd(), Permission.Type.READ);
    }
    s.checkOp(user, rev, d.key(), d.rangeEnd(), Permission.Type.WRITE);
  }

  private static void checkWrites(AuthState s, String user, long rev, List<byte[]> keys) {
    for (byte[] k : keys) {
      s.checkOp(user, rev, k, null, Permission.Type.WRITE);
    }
  }

  /** etcd's {@code checkTxnAuth}, extended to nested txns (which etcd 3.4 let through). */
  private static void checkTxn(AuthState s, String user, long rev, Txn t) {
    for (Compare c : t.compare()) {
      s.checkOp(user, rev, c.key(), c.rangeEnd(), Permission.Type.READ);
    }
    for (List<RequestOp> branch : List.of(t.success(), t.failure())) {
      for (RequestOp op : branch) {
        if (op instanceof Range r) {
          s.checkOp(user, rev, r.key(), r.rangeEnd(), Permission.Type.READ);
        } else if (op instanceof Put p) {
          s.checkOp(user, rev, p.key(), null, Permission.Type.WRITE);
        } else if (op instanceof DeleteRange d) {
          checkDelete(s, user, rev, d);
        } else if (op instanceof Txn nested) {
          checkTxn(s, user, rev, nested);
        }
      }
    }
  }
}

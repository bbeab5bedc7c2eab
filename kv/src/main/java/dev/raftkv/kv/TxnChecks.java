package dev.raftkv.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The static checks etcd makes on a txn before it reaches the store ({@code checkTxnRequest} and
 * {@code checkIntervals} in etcd's v3rpc): op counts, empty keys, and that no key is written twice
 * (two puts, or a put inside a deleted range) on any path through the txn. The two branches of a
 * txn exclude each other, so the same put in both is fine. As in etcd, a delete's range end is
 * taken literally, so the from-key end {@code "\0"} makes an empty interval that covers no put.
 */
final class TxnChecks {
  private TxnChecks() {}

  static void check(Txn t, int maxOps) {
    checkShape(t, maxOps);
    intervals(t.success());
    intervals(t.failure());
  }

  /**
   * etcd's {@code checkTxnRequest}: the largest of the compare, success and failure counts must be
   * at most {@code maxOps}, and a nested txn gets what is left ({@code maxOps} minus that count);
   * every op of both branches, in order, must have a key, and a put must not give a value with
   * {@code ignore_value} or a lease with {@code ignore_lease}.
   */
  private static void checkShape(Txn t, int maxOps) {
    int opc = Math.max(t.compare().size(), Math.max(t.success().size(), t.failure().size()));
    if (opc > maxOps) {
      throw new KvException(KvException.Code.TOO_MANY_OPS);
    }
    for (List<RequestOp> branch : List.of(t.success(), t.failure())) {
      for (RequestOp op : branch) {
        if (op instanceof Range r) {
          Ranges.checkKey(r.key());
        } else if (op instanceof Put p) {
          Ranges.checkKey(p.key());
          if (p.ignoreValue() && p.value().length != 0) {
            throw new KvException(KvException.Code.VALUE_PROVIDED);
          }
          if (p.ignoreLease() && p.lease() != 0) {
            throw new KvException(KvException.Code.LEASE_PROVIDED);
          }
        } else if (op instanceof DeleteRange d) {
          Ranges.checkKey(d.key());
        } else if (op instanceof Txn nested) {
          checkShape(nested, maxOps - opc);
        }
      }
    }
  }

  /** Keys as Latin-1 strings: one char per byte, and String order is unsigned byte order. */
  private static String s(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** A deleted interval {@code [start, end)} (empty when end is not above start). */
  private record Interval(String start, String end) {
    boolean contains(String k) {
      return k.compareTo(start) >= 0 && k.compareTo(end) < 0;
    }
  }

  private record Writes(Set<String> puts, List<Interval> dels) {
    boolean deleted(String k) {
      return dels.stream().anyMatch(i -> i.contains(k));
    }
  }

  private static Writes intervals(List<RequestOp> ops) {
    List<Interval> dels = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op instanceof DeleteRange d) {
        String k = s(d.key());
        byte[] e = d.rangeEnd();
        if (e.length == 0) {
          dels.add(new Interval(k, k + '\0'));
        } else {
          // etcd takes the end literally here, so a from-key delete ("\0") covers nothing
          dels.add(new Interval(k, s(e)));
        }
      }
    }
    Writes w = new Writes(new HashSet<>(), dels);
    for (RequestOp op : ops) {
      if (op instanceof Txn t) {
        Writes then = intervals(t.success());
        Writes orElse = intervals(t.failure());
        for (String k : then.puts()) {
          if (w.puts().contains(k) || w.deleted(k)) {
            throw new KvException(KvException.Code.DUPLICATE_KEY);
          }
          w.puts().add(k);
        }
        for (String k : orElse.puts()) {
          if ((w.puts().contains(k) && !then.puts().contains(k)) || w.deleted(k)) {
            throw new KvException(KvException.Code.DUPLICATE_KEY);
          }
          w.puts().add(k);
        }
        dels.addAll(then.dels());
        dels.addAll(orElse.dels());
      }
    }
    for (RequestOp op : ops) {
      if (op instanceof Put p) {
        String k = s(p.key());
        if (!w.puts().add(k) || w.deleted(k)) {
          throw new KvException(KvException.Code.DUPLICATE_KEY);
        }
      }
    }
    return w;
  }
}

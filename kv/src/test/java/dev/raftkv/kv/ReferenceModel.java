package dev.raftkv.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The etcd data model as plainly as possible, in memory, for differential testing: per key the full
 * list of (revision, value-or-deleted). Supports flat txns only.
 */
final class ReferenceModel {
  private record Version(long rev, KeyValue kv) {}

  /** Keys as Latin-1 strings so that TreeMap order is unsigned byte order. */
  private final TreeMap<String, List<Version>> history = new TreeMap<>();

  long revision = 1;
  long compacted = 0;

  private static String s(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  KeyValue at(String key, long rev) {
    KeyValue found = null;
    for (Version v : history.getOrDefault(key, List.of())) {
      if (v.rev() <= rev) {
        found = v.kv();
      }
    }
    return found;
  }

  private List<String> keysIn(byte[] key, byte[] end) {
    List<String> out = new ArrayList<>();
    String k = s(key);
    if (end.length == 0) {
      out.add(k);
      return out;
    }
    boolean fromKey = end.length == 1 && end[0] == 0;
    for (String c : history.keySet()) {
      if (c.compareTo(k) >= 0 && (fromKey || c.compareTo(s(end)) < 0)) {
        out.add(c);
      }
    }
    return out;
  }

  private List<KeyValue> presentIn(byte[] key, byte[] end, long rev) {
    List<KeyValue> out = new ArrayList<>();
    for (String k : keysIn(key, end)) {
      KeyValue kv = at(k, rev);
      if (kv != null) {
        out.add(kv);
      }
    }
    return out;
  }

  Object apply(Op op) {
    try {
      if (op instanceof Range r) {
        return range(r, revision);
      } else if (op instanceof Put p) {
        Pending w = new Pending(revision + 1);
        KeyValue prev = put(p, w);
        revision++;
        return new Put.Result(revision, p.prevKv() ? prev : null);
      } else if (op instanceof DeleteRange d) {
        if (d.key().length == 0) {
          throw new KvException(KvException.Code.EMPTY_KEY);
        }
        Pending w = new Pending(revision + 1);
        List<KeyValue> gone = delete(d, w);
        if (w.wrote) {
          revision++;
        }
        return new DeleteRange.Result(revision, gone.size(), d.prevKv() ? gone : List.of());
      } else if (op instanceof Txn t) {
        return txn(t);
      } else if (op instanceof Compact c) {
        if (c.revision() <= compacted) {
          throw new KvException(KvException.Code.COMPACTED);
        }
        if (c.revision() > revision) {
          throw new KvException(KvException.Code.FUTURE_REV);
        }
        compacted = c.revision();
        return new Compact.Result(revision);
      } else if (op instanceof LeaseRevokeRequest l) {
        Pending w = new Pending(revision + 1);
        int n = 0;
        for (KeyValue kv : presentIn(new byte[] {0}, Bytes.FROM_KEY, Long.MAX_VALUE)) {
          if (kv.lease() == l.leaseId()) {
            n += delete(DeleteRange.key(kv.key()), w).size();
          }
        }
        if (w.wrote) {
          revision++;
        }
        return new LeaseRevokeResponse(revision, n);
      }
      throw new IllegalArgumentException();
    } catch (KvException e) {
      return e.code();
    }
  }

  private static final class Pending {
    final long rev;
    boolean wrote;

    Pending(long rev) {
      this.rev = rev;
    }
  }

  private KeyValue put(Put p, Pending w) {
    if (p.key().length == 0) {
      throw new KvException(KvException.Code.EMPTY_KEY);
    }
    KeyValue prev = at(s(p.key()), Long.MAX_VALUE);
    KeyValue kv =
        new KeyValue(
            p.key(),
            prev == null ? w.rev : prev.createRevision(),
            w.rev,
            prev == null ? 1 : prev.version() + 1,
            p.value(),
            p.lease());
    history.computeIfAbsent(s(p.key()), k -> new ArrayList<>()).add(new Version(w.rev, kv));
    w.wrote = true;
    return prev;
  }

  private List<KeyValue> delete(DeleteRange d, Pending w) {
    List<KeyValue> gone = presentIn(d.key(), d.rangeEnd(), Long.MAX_VALUE);
    for (KeyValue kv : gone) {
      history.get(s(kv.key())).add(new Version(w.rev, null));
      w.wrote = true;
    }
    return gone;
  }

  Range.Result range(Range r, long current) {
    if (r.key().length == 0) {
      throw new KvException(KvException.Code.EMPTY_KEY);
    }
    long rev = r.revision() <= 0 ? current : r.revision();
    if (rev > current) {
      throw new KvException(KvException.Code.FUTURE_REV);
    }
    if (rev < compacted) {
      throw new KvException(KvException.Code.COMPACTED);
    }
    List<KeyValue> kvs = presentIn(r.key(), r.rangeEnd(), rev);
    long count = kvs.size();
    if (r.countOnly()) {
      return new Range.Result(current, List.of(), false, count);
    }
    if (r.keysOnly()) {
      kvs = new ArrayList<>(kvs.stream().map(KeyValue::withoutValue).toList());
    }
    if (r.sortTarget() == Range.SortTarget.MOD) {
      Comparator<KeyValue> c = Comparator.comparingLong(KeyValue::modRevision);
      kvs.sort(r.sortOrder() == Range.SortOrder.DESCEND ? c.reversed() : c);
    } else if (r.sortTarget() != Range.SortTarget.KEY) {
      throw new UnsupportedOperationException("model sorts by MOD only");
    } else if (r.sortOrder() == Range.SortOrder.DESCEND) {
      Collections.reverse(kvs);
    }
    boolean more = r.limit() > 0 && kvs.size() > r.limit();
    if (more) {
      kvs = kvs.subList(0, (int) r.limit());
    }
    return new Range.Result(current, kvs, more, count);
  }

  private boolean holds(Compare c) {
    List<KeyValue> kvs = presentIn(c.key(), c.rangeEnd(), revision);
    if (kvs.isEmpty()) {
      if (c.target() == Compare.Target.VALUE) {
        return false;
      }
      kvs = List.of(new KeyValue(c.key(), 0, 0, 0, Bytes.EMPTY, 0));
    }
    for (KeyValue kv : kvs) {
      long have =
          switch (c.target()) {
            case VERSION -> kv.version();
            case CREATE -> kv.createRevision();
            case MOD -> kv.modRevision();
            case LEASE -> kv.lease();
            case VALUE -> Integer.signum(Bytes.compare(kv.value(), c.value()));
          };
      long want = c.target() == Compare.Target.VALUE ? 0 : c.number();
      boolean ok =
          switch (c.result()) {
            case EQUAL -> have == want;
            case NOT_EQUAL -> have != want;
            case GREATER -> have > want;
            case LESS -> have < want;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private Txn.Result txn(Txn t) {
    for (List<RequestOp> branch : List.of(t.success(), t.failure())) {
      Set<String> puts = new HashSet<>();
      List<DeleteRange> dels = new ArrayList<>();
      for (RequestOp op : branch) {
        if (op instanceof DeleteRange d) {
          dels.add(d);
        }
      }
      for (RequestOp op : branch) {
        if (op instanceof Put p) {
          if (!puts.add(s(p.key())) || dels.stream().anyMatch(d -> covers(d, p.key()))) {
            throw new KvException(KvException.Code.DUPLICATE_KEY);
          }
        }
      }
    }
    boolean ok = t.compare().stream().allMatch(this::holds);
    Pending w = new Pending(revision + 1);
    List<Response> responses = new ArrayList<>();
    for (RequestOp op : ok ? t.success() : t.failure()) {
      if (op instanceof Range r) {
        responses.add(range(r, w.wrote ? w.rev : revision));
      } else if (op instanceof Put p) {
        KeyValue prev = put(p, w);
        responses.add(new Put.Result(w.rev, p.prevKv() ? prev : null));
      } else if (op instanceof DeleteRange d) {
        List<KeyValue> gone = delete(d, w);
        responses.add(
            new DeleteRange.Result(
                w.wrote ? w.rev : revision, gone.size(), d.prevKv() ? gone : List.of()));
      }
    }
    if (w.wrote) {
      revision++;
    }
    return new Txn.Result(revision, ok, responses);
  }

  private static boolean covers(DeleteRange d, byte[] key) {
    String k = s(key);
    String start = s(d.key());
    byte[] e = d.rangeEnd();
    if (e.length == 0) {
      return k.equals(start);
    }
    // etcd's duplicate check takes the end literally: a from-key end "\0" covers nothing
    return k.compareTo(start) >= 0 && k.compareTo(s(e)) < 0;
  }

  /** Every key present at {@code rev}, in key order. */
  List<KeyValue> all(long rev) {
    return presentIn(new byte[] {0}, Bytes.FROM_KEY, rev);
  }

  Map<String, List<Version>> history() {
    return history;
  }

  static byte[] key(String s) {
    return bytes(s);
  }
}

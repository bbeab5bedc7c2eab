package dev.raftkv.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A deterministic stream of Raft entries: entry {@code i} is always the same ops. */
final class Workload {
  private Workload() {}

  static List<Op> entry(long index) {
    Random r = new Random(index * 7919L);
    List<Op> ops = new ArrayList<>();
    int n = 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      String k = "k" + r.nextInt(20);
      switch (r.nextInt(4)) {
        case 0, 1 -> ops.add(Put.of(k, "v" + index + "." + i));
        case 2 -> ops.add(DeleteRange.key(Bytes.of(k)));
        default ->
            ops.add(
                new Txn(
                    List.of(),
                    List.of(Put.of(k, "t" + index), Put.of(k + "x", "t" + index + "x")),
                    List.of()));
      }
    }
    return ops;
  }
}

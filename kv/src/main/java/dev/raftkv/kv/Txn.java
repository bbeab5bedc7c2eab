package dev.raftkv.kv;

import java.util.List;

/**
 * etcd's {@code TxnRequest}: if every compare holds, run {@code success}, else {@code failure}. All
 * compares (including those of nested txns on the chosen path) are evaluated against the store
 * before the txn writes anything. The whole txn is one revision; its writes get sub revisions 0, 1,
 * 2... A txn that writes nothing does not bump the revision.
 */
public record Txn(List<Compare> compare, List<RequestOp> success, List<RequestOp> failure)
    implements RequestOp {
  public Txn {
    compare = List.copyOf(compare);
    success = List.copyOf(success);
    failure = List.copyOf(failure);
  }

  /**
   * etcd's {@code TxnResponse}.
   *
   * @param succeeded whether the compares held (so {@code success} ran)
   * @param responses one response per op of the branch that ran, in order
   */
  public record Result(long revision, boolean succeeded, List<Response> responses)
      implements Response {
    public Result {
      responses = List.copyOf(responses);
    }
  }
}

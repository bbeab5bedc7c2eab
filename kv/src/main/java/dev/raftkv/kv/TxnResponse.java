package dev.raftkv.kv;

import java.util.List;

/**
 * etcd's {@code TxnResponse}.
 *
 * @param succeeded whether the compares held (so {@code success} ran)
 * @param responses one response per op of the branch that ran, in order
 */
public record TxnResponse(long revision, boolean succeeded, List<Response> responses)
    implements Response {
  public TxnResponse {
    responses = List.copyOf(responses);
  }
}

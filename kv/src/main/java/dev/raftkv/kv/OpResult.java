package dev.raftkv.kv;

/**
 * The outcome of one {@link Op} of an {@link KvStore#apply} call: a response, or the refusal etcd
 * would answer with. A refused op changed nothing.
 */
public record OpResult(Response response, KvException error) {
  public OpResult {
    if ((response == null) == (error == null)) {
      throw new IllegalArgumentException("exactly one of response and error");
    }
  }

  static OpResult ok(Response r) {
    return new OpResult(r, null);
  }

  static OpResult failed(KvException e) {
    return new OpResult(null, e);
  }

  public boolean isOk() {
    return error == null;
  }

  /** The response, or throws the refusal. */
  public Response orThrow() {
    if (error != null) {
      throw new KvException(error.code());
    }
    return response;
  }
}

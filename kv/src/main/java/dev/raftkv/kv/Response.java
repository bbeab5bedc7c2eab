package dev.raftkv.kv;

/**
 * The answer to one {@link Op}. {@link #revision()} is the header revision etcd returns: the store
 * revision after the request (for a read, the current revision, not the one read at).
 */
public sealed interface Response
    permits Range.Result,
        Put.Result,
        DeleteRange.Result,
        Txn.Result,
        Compact.Result,
        LeaseRevokeResponse,
        LeaseGrantResponse,
        MemberResponse,
        AuthResponse,
        AlarmRequest.Result {
  long revision();
}

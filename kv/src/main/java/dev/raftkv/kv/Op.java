package dev.raftkv.kv;

/**
 * A command the replicated log carries to the store: what {@link KvStore#apply} executes. {@link
 * RequestOp}s are the four etcd KV requests (also allowed inside a txn); compaction and lease grant
 * and revocation, the member ops and {@link AlarmRequest}, are only top level; so are the auth
 * changes ({@link AuthRequest}) and the two envelopes ({@link Authed}: a client's credentials;
 * {@link ServerRequest}: the server's own request).
 */
public sealed interface Op
    permits RequestOp,
        Compact,
        LeaseRevokeRequest,
        LeaseGrantRequest,
        MemberChange,
        MemberPublishRequest,
        MemberUpdateRequest,
        AuthRequest,
        AlarmRequest,
        Authed,
        ServerRequest {}

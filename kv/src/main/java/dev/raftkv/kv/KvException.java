package dev.raftkv.kv;

/**
 * A request the store refused. {@link #getMessage()} is etcd's exact error text, which clients
 * match on; {@link #code()} names the case and the gRPC status the server should map it to.
 */
public final class KvException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Every refusal the store can give, with etcd's message and gRPC status. */
  public enum Code {
    COMPACTED("mvcc: required revision has been compacted", "OUT_OF_RANGE"),
    FUTURE_REV("mvcc: required revision is a future revision", "OUT_OF_RANGE"),
    EMPTY_KEY("etcdserver: key is not provided", "INVALID_ARGUMENT"),
    KEY_NOT_FOUND("etcdserver: key not found", "INVALID_ARGUMENT"),
    LEASE_NOT_FOUND("etcdserver: requested lease not found", "NOT_FOUND"),
    LEASE_EXISTS("etcdserver: lease already exists", "FAILED_PRECONDITION"),
    VALUE_PROVIDED("etcdserver: value is provided", "INVALID_ARGUMENT"),
    LEASE_PROVIDED("etcdserver: lease is provided", "INVALID_ARGUMENT"),
    TOO_MANY_OPS("etcdserver: too many operations in txn request", "INVALID_ARGUMENT"),
    DUPLICATE_KEY("etcdserver: duplicate key given in txn request", "INVALID_ARGUMENT"),
    MEMBER_NOT_FOUND("etcdserver: member not found", "NOT_FOUND"),
    PEER_URL_EXISTS("etcdserver: Peer URLs already exists", "FAILED_PRECONDITION"),
    /** A write refused while a NOSPACE alarm is raised (etcd's ErrGRPCNoSpace). */
    NO_SPACE("etcdserver: mvcc: database space exceeded", "RESOURCE_EXHAUSTED"),
    // etcd's auth errors (rpctypes: code and message of each)
    ROOT_USER_NOT_EXIST("etcdserver: root user does not exist", "FAILED_PRECONDITION"),
    ROOT_ROLE_NOT_EXIST("etcdserver: root user does not have root role", "FAILED_PRECONDITION"),
    USER_ALREADY_EXISTS("etcdserver: user name already exists", "FAILED_PRECONDITION"),
    USER_EMPTY("etcdserver: user name is empty", "INVALID_ARGUMENT"),
    USER_NOT_FOUND("etcdserver: user name not found", "FAILED_PRECONDITION"),
    ROLE_ALREADY_EXISTS("etcdserver: role name already exists", "FAILED_PRECONDITION"),
    ROLE_NOT_FOUND("etcdserver: role name not found", "FAILED_PRECONDITION"),
    ROLE_EMPTY("etcdserver: role name is empty", "INVALID_ARGUMENT"),
    AUTH_FAILED(
        "etcdserver: authentication failed, invalid user ID or password", "INVALID_ARGUMENT"),
    PERMISSION_DENIED("etcdserver: permission denied", "PERMISSION_DENIED"),
    ROLE_NOT_GRANTED("etcdserver: role is not granted to the user", "FAILED_PRECONDITION"),
    PERMISSION_NOT_GRANTED(
        "etcdserver: permission is not granted to the role", "FAILED_PRECONDITION"),
    AUTH_NOT_ENABLED("etcdserver: authentication is not enabled", "FAILED_PRECONDITION"),
    INVALID_AUTH_MGMT("etcdserver: invalid auth management", "INVALID_ARGUMENT"),
    AUTH_OLD_REVISION("etcdserver: revision of auth store is old", "INVALID_ARGUMENT"),
    /** etcd 3.4's answer (code Unknown: missing from its gRPC table) for a no-password user. */
    NO_PASSWORD_USER(
        "auth: authentication failed, password was given for no password user", "UNKNOWN");

    private final String message;
    private final String grpcStatus;

    Code(String message, String grpcStatus) {
      this.message = message;
      this.grpcStatus = grpcStatus;
    }

    /** etcd's error text. */
    public String message() {
      return message;
    }

    /** The gRPC status code name etcd answers with. */
    public String grpcStatus() {
      return grpcStatus;
    }
  }

  private final Code code;

  public KvException(Code code) {
    super(code.message(), null, false, false);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}

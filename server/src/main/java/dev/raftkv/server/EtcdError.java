package dev.raftkv.server;

import dev.raftkv.kv.KvException;
import dev.raftkv.raft.ProposalRejectedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The one table of the errors the services answer with: etcd 3.4's gRPC code and exact message for
 * each ({@code rpctypes} in etcd), so clients that match on either behave as against etcd. Every
 * service, and {@link #toStatus} for what fails between a request and its answer, takes its errors
 * from here.
 */
enum EtcdError {
  KEY_NOT_PROVIDED(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
  /** etcd's answer to a txn op that holds no request. */
  KEY_NOT_FOUND(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found"),
  REQUEST_TOO_LARGE(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large"),
  NO_LEADER(Status.Code.UNAVAILABLE, "etcdserver: no leader"),
  /** etcd's {@code ErrGRPCNotLeader}: a call only the leader answers, made to another member. */
  NOT_LEADER(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader"),
  /**
   * A leader-only call this member cannot hand on (no leader known, or it was handed on already):
   * UNAVAILABLE, so that clients retry elsewhere.
   */
  NOT_LEADER_RETRY(Status.Code.UNAVAILABLE, "etcdserver: not leader"),
  LEADER_CHANGED(Status.Code.UNAVAILABLE, "etcdserver: leader changed"),
  REQUEST_TIMED_OUT(Status.Code.UNAVAILABLE, "etcdserver: request timed out"),
  LEADER_TRANSFER_TIMED_OUT(
      Status.Code.UNAVAILABLE, "etcdserver: request timed out, leader transfer took too long"),
  BAD_LEADER_TRANSFEREE(Status.Code.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
  SERVER_STOPPED(Status.Code.UNAVAILABLE, "etcdserver: server stopped"),
  UNHEALTHY_CLUSTER(Status.Code.UNAVAILABLE, "etcdserver: unhealthy cluster"),
  MEMBER_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: member not found"),
  PEER_URL_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
  TOO_MANY_LEARNERS(
      Status.Code.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster"),
  MEMBER_NOT_LEARNER(
      Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
  LEARNER_NOT_READY(
      Status.Code.FAILED_PRECONDITION,
      "etcdserver: can only promote a learner member which is in sync with leader"),
  INVALID_MEMBER_URLS(Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"),
  /** etcd 3.4 answers this one with code Unknown (it is missing from its gRPC error table). */
  NOT_ENOUGH_STARTED_MEMBERS(
      Status.Code.UNKNOWN, "etcdserver: re-configuration failed due to not enough started members"),
  LEASE_TTL_TOO_LARGE(Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
  // the Lock and Election services' errors: etcd's concurrency package returns them as plain Go
  // errors, so its gRPC server answers them with code Unknown
  /** A Lock whose key was deleted (its lease expired or was revoked) before it got the lock. */
  SESSION_EXPIRED(Status.Code.UNKNOWN, "mutex: session is expired"),
  ELECTION_NOT_LEADER(Status.Code.UNKNOWN, "election: not leader"),
  ELECTION_NO_LEADER(Status.Code.UNKNOWN, "election: no leader"),
  /** A Proclaim or Resign without its leader key. */
  ELECTION_MISSING_LEADER_KEY(Status.Code.UNKNOWN, "\"leader\" field must be provided"),

  /**
   * etcd's {@code ErrGRPCNoSpace}: a write refused over the space quota, or while a NOSPACE alarm
   * is raised (then it comes from the store as the kv module's NO_SPACE, with the same code).
   */
  NO_SPACE(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
  // etcd's auth errors; those raised at apply come as the kv module's KvException codes with the
  // same code and message (EtcdErrorTest holds the two tables to each other)
  ROOT_USER_NOT_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not exist"),
  ROOT_ROLE_NOT_EXIST(
      Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not have root role"),
  USER_ALREADY_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: user name already exists"),
  USER_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty"),
  USER_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: user name not found"),
  ROLE_ALREADY_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: role name already exists"),
  ROLE_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: role name not found"),
  ROLE_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty"),
  AUTH_FAILED(
      Status.Code.INVALID_ARGUMENT,
      "etcdserver: authentication failed, invalid user ID or password"),
  PERMISSION_DENIED(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied"),
  ROLE_NOT_GRANTED(Status.Code.FAILED_PRECONDITION, "etcdserver: role is not granted to the user"),
  PERMISSION_NOT_GRANTED(
      Status.Code.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role"),
  AUTH_NOT_ENABLED(Status.Code.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
  INVALID_AUTH_TOKEN(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token"),
  INVALID_AUTH_MGMT(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management"),
  AUTH_OLD_REVISION(Status.Code.INVALID_ARGUMENT, "etcdserver: revision of auth store is old"),
  /** etcd 3.4 answers a password login of a no-password user so, with code Unknown. */
  NO_PASSWORD_USER(
      Status.Code.UNKNOWN, "auth: authentication failed, password was given for no password user");

  private final Status.Code code;
  private final String message;

  EtcdError(Status.Code code, String message) {
    this.code = code;
    this.message = message;
  }

  /** The gRPC code etcd answers with. */
  Status.Code code() {
    return code;
  }

  /** etcd's message, as clients see it. */
  String message() {
    return message;
  }

  /** A new exception carrying this error, to throw or to pass to {@code onError}. */
  StatusRuntimeException exception() {
    return Status.fromCode(code).withDescription(message).asRuntimeException();
  }

  /**
   * etcd's answer for a failure between a request and its answer: a store error with its own code
   * and message, a proposal the node refused, a timeout, or (last) UNAVAILABLE with the cause's
   * message.
   */
  static StatusRuntimeException toStatus(Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (c instanceof StatusRuntimeException s) {
      return s;
    }
    if (c instanceof KvException k) {
      return Status.fromCode(Status.Code.valueOf(k.code().grpcStatus()))
          .withDescription(
              k.code() == KvException.Code.COMPACTED || k.code() == KvException.Code.FUTURE_REV
                  ? "etcdserver: " + k.code().message()
                  : k.code().message())
          .asRuntimeException();
    }
    if (c instanceof ProposalRejectedException p) {
      return switch (p.reason()) {
        case NO_LEADER -> NO_LEADER.exception();
        case LEADERSHIP_TRANSFER -> LEADER_CHANGED.exception();
        default ->
            Status.FAILED_PRECONDITION
                .withDescription("etcdserver: " + p.getMessage())
                .asRuntimeException();
      };
    }
    if (c instanceof TimeoutException) {
      return REQUEST_TIMED_OUT.exception();
    }
    return Status.UNAVAILABLE.withDescription("etcdserver: " + c.getMessage()).asRuntimeException();
  }
}

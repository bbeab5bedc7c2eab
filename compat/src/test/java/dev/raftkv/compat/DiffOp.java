package dev.raftkv.compat;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;

/**
 * One request of the differential test, sent unchanged to real etcd and to raftkv.
 *
 * @param kind which RPC carries it
 * @param request the request message (for {@link Kind#WATCH_CANCEL}, a {@code WatchCancelRequest};
 *     for {@link Kind#WATCH_CREATE}, a {@code WatchCreateRequest})
 */
record DiffOp(Kind kind, Message request) {
  /** The RPC an op goes through. */
  enum Kind {
    RANGE,
    PUT,
    DELETE_RANGE,
    TXN,
    COMPACT,
    LEASE_GRANT,
    LEASE_REVOKE,
    WATCH_CREATE,
    WATCH_CANCEL
  }

  /** The op on one line: its kind and the request in protobuf text form. */
  @Override
  public String toString() {
    String text = TextFormat.printer().emittingSingleLine(true).printToString(request);
    if (text.length() > 2000) {
      text = text.substring(0, 2000) + " ...(" + text.length() + " chars)";
    }
    return kind + " { " + text + "}";
  }
}

package dev.raftkv.compat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.raftkv.api.etcdserverpb.ResponseHeader;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;

/**
 * Turns an answer into the text the differential test compares: a response in protobuf text form
 * with every {@code ResponseHeader}'s cluster_id, member_id and raft_term cleared (they differ
 * between any two clusters), or an error as its gRPC status code and message.
 */
final class Outcomes {
  private Outcomes() {}

  /** The comparable text of a response. */
  static String of(Message response) {
    return TextFormat.printer().printToString(normalize(response));
  }

  /** The comparable text of a failed call: {@code ERROR CODE: message}. */
  static String of(StatusRuntimeException e) {
    return "ERROR " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
  }

  /** {@code m} with the ids and term of every header in it (at any depth) cleared. */
  @SuppressWarnings("unchecked")
  static <M extends Message> M normalize(M m) {
    Message.Builder b = m.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isRepeated()) {
        b.clearField(f);
        for (Object o : (List<?>) e.getValue()) {
          b.addRepeatedField(f, normalize((Message) o));
        }
      } else {
        b.setField(f, normalize((Message) e.getValue()));
      }
    }
    if (m instanceof ResponseHeader) {
      ResponseHeader.Builder h = (ResponseHeader.Builder) b;
      h.clearClusterId().clearMemberId().clearRaftTerm();
    }
    return (M) b.build();
  }
}

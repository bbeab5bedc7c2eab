package dev.raftkv.server.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;

/** Errors as etcd 3.4's gateway (grpc-gateway v1) writes them. */
final class GatewayErrors {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private GatewayErrors() {}

  /** The HTTP status for a gRPC code (grpc-gateway v1's {@code HTTPStatusFromCode}). */
  static HttpResponseStatus httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> HttpResponseStatus.OK;
      case CANCELLED -> HttpResponseStatus.REQUEST_TIMEOUT;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
      case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case FAILED_PRECONDITION -> HttpResponseStatus.PRECONDITION_FAILED;
      case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      case UNKNOWN, INTERNAL, DATA_LOSS -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
    };
  }

  /** A unary call's error: {@code {"error":…,"message":…,"code":N}} with its HTTP status. */
  static FullHttpResponse response(Status status) {
    return GatewayResponses.json(httpStatus(status.getCode()), body(status));
  }

  /** The body of {@link #response}. */
  static String body(Status status) {
    String message = message(status);
    ObjectNode o = MAPPER.createObjectNode();
    o.put("error", message).put("message", message).put("code", status.getCode().value());
    return o.toString();
  }

  /**
   * A stream's error line: {@code {"error":{"grpc_code":N,"http_code":H,"message":…,
   * "http_status":…}}}.
   */
  static String streamBody(Status status) {
    HttpResponseStatus http = httpStatus(status.getCode());
    ObjectNode o = MAPPER.createObjectNode();
    o.putObject("error")
        .put("grpc_code", status.getCode().value())
        .put("http_code", http.code())
        .put("message", message(status))
        .put("http_status", http.reasonPhrase());
    return o.toString();
  }

  private static String message(Status status) {
    return status.getDescription() == null ? "" : status.getDescription();
  }
}

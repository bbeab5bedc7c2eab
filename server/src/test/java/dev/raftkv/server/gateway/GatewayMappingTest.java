package dev.raftkv.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftkv.api.etcdserverpb.KVGrpc;
import dev.raftkv.api.etcdserverpb.LeaseGrpc;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import java.io.EOFException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's mappings: routes, HTTP statuses and error bodies as etcd 3.4's gateway has them.
 */
class GatewayMappingTest {
  private static final GatewayRoutes ROUTES =
      GatewayRoutes.of(
          List.of(
              new KVGrpc.KVImplBase() {}.bindService(),
              new LeaseGrpc.LeaseImplBase() {}.bindService()));

  @Test
  void routesUnderV3AndV3betaAndOnlyForServicesPresent() {
    assertThat(ROUTES.find("/v3/kv/range").orElseThrow().getFullMethodName())
        .isEqualTo("etcdserverpb.KV/Range");
    assertThat(ROUTES.find("/v3beta/kv/txn").orElseThrow().getFullMethodName())
        .isEqualTo("etcdserverpb.KV/Txn");
    assertThat(ROUTES.find("/v3/kv/lease/timetolive").orElseThrow().getFullMethodName())
        .isEqualTo("etcdserverpb.Lease/LeaseTimeToLive");
    assertThat(ROUTES.find("/v3/maintenance/status")).as("no Maintenance service given").isEmpty();
    assertThat(ROUTES.find("/v3alpha/kv/range")).isEmpty();
    assertThat(ROUTES.paths()).as("5 KV routes, 8 Lease routes").hasSize(5 + 8);
    assertThat(GatewayRoutes.isGatewayPath("/v3/x")).isTrue();
    assertThat(GatewayRoutes.isGatewayPath("/metrics")).isFalse();
    ServerServiceDefinition none = ServerServiceDefinition.builder("x.Y").build();
    assertThat(GatewayRoutes.of(List.of(none)).paths()).isEmpty();
  }

  @Test
  void grpcCodesMapToGrpcGatewayV1HttpStatuses() {
    assertThat(GatewayErrors.httpStatus(Status.Code.INVALID_ARGUMENT).code()).isEqualTo(400);
    assertThat(GatewayErrors.httpStatus(Status.Code.OUT_OF_RANGE).code()).isEqualTo(400);
    assertThat(GatewayErrors.httpStatus(Status.Code.NOT_FOUND).code()).isEqualTo(404);
    assertThat(GatewayErrors.httpStatus(Status.Code.FAILED_PRECONDITION).code()).isEqualTo(412);
    assertThat(GatewayErrors.httpStatus(Status.Code.RESOURCE_EXHAUSTED).code()).isEqualTo(429);
    assertThat(GatewayErrors.httpStatus(Status.Code.UNAUTHENTICATED).code()).isEqualTo(401);
    assertThat(GatewayErrors.httpStatus(Status.Code.UNAVAILABLE))
        .isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
    for (Status.Code c : Status.Code.values()) {
      assertThat(GatewayErrors.httpStatus(c)).as(c.name()).isNotNull();
    }
  }

  @Test
  void errorBodiesAsEtcdWritesThem() {
    Status s = Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided");
    assertThat(GatewayErrors.body(s))
        .isEqualTo(
            "{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not"
                + " provided\",\"code\":3}");
    assertThat(GatewayErrors.streamBody(Status.NOT_FOUND.withDescription("gone")))
        .isEqualTo(
            "{\"error\":{\"grpc_code\":5,\"http_code\":404,\"message\":\"gone\","
                + "\"http_status\":\"Not Found\"}}");
  }

  @Test
  void aParseErrorNamesWhatWasWrongWithoutClassNames() {
    Exception wrapped =
        new IllegalStateException(new EOFException("End of input at line 1 column 5 path $.bad"));
    assertThat(JsonGateway.reason(wrapped)).isEqualTo("End of input at line 1 column 5 path $.bad");
    assertThat(JsonGateway.reason(new IllegalArgumentException("Invalid enum value: X")))
        .isEqualTo("Invalid enum value: X");
  }
}

package dev.raftkv.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd's gRPC call counters (go-grpc-prometheus): {@code grpc_server_started_total} and {@code
 * grpc_server_handled_total} by {@code grpc_type}, {@code grpc_service}, {@code grpc_method} and
 * {@code grpc_code} (Go's code names: {@code OK}, {@code NotFound}, {@code Canceled}...). The data
 * points of a method are looked up once and kept, so a call costs two increments.
 */
final class GrpcMetrics implements ServerInterceptor {
  private final Counter started;
  private final Counter handled;

  /** By method descriptor (identity: each method has one, made once by its service). */
  private final Map<MethodDescriptor<?, ?>, MethodPoints> methods = new ConcurrentHashMap<>();

  GrpcMetrics(PrometheusRegistry registry) {
    started =
        Counter.builder()
            .name("grpc_server_started_total")
            .help("Total number of RPCs started on the server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method")
            .withoutExemplars()
            .register(registry);
    handled =
        Counter.builder()
            .name("grpc_server_handled_total")
            .help("Total number of RPCs completed on the server, regardless of success or failure.")
            .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code")
            .withoutExemplars()
            .register(registry);
  }

  /** One method's data points: started, and handled per code (made on first use). */
  private final class MethodPoints {
    final String type;
    final String service;
    final String method;
    final CounterDataPoint started;
    final CounterDataPoint[] handled = new CounterDataPoint[Status.Code.values().length];

    MethodPoints(MethodDescriptor<?, ?> d) {
      type = type(d.getType());
      service = d.getServiceName();
      method = d.getBareMethodName();
      started = GrpcMetrics.this.started.labelValues(type, service, method);
    }

    void handled(Status.Code code) {
      CounterDataPoint p = handled[code.ordinal()];
      if (p == null) {
        p = GrpcMetrics.this.handled.labelValues(type, service, method, goName(code));
        handled[code.ordinal()] = p;
      }
      p.inc();
    }
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    MethodDescriptor<Q, A> d = call.getMethodDescriptor();
    MethodPoints points = methods.get(d);
    if (points == null) {
      points = methods.computeIfAbsent(d, MethodPoints::new);
    }
    MethodPoints counted = points;
    counted.started.inc();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<Q, A>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            counted.handled(status.getCode());
            super.close(status, trailers);
          }
        },
        headers);
  }

  /**
   * The calls completed so far on every service but raftkv's own ({@code raftkvpb.*}: the admin
   * service, which the dashboards of other members poll), whatever their code.
   */
  double handledEtcdCalls() {
    double total = 0;
    for (CounterSnapshot.CounterDataPointSnapshot p : handled.collect().getDataPoints()) {
      if (!p.getLabels().get("grpc_service").startsWith("raftkvpb.")) {
        total += p.getValue();
      }
    }
    return total;
  }

  /** go-grpc-prometheus' type names. */
  static String type(MethodDescriptor.MethodType t) {
    return switch (t) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      case BIDI_STREAMING, UNKNOWN -> "bidi_stream";
    };
  }

  /** Go's name of a gRPC code ({@code codes.Code.String()}): OK, Canceled, InvalidArgument... */
  static String goName(Status.Code code) {
    if (code == Status.Code.OK) {
      return "OK";
    }
    if (code == Status.Code.CANCELLED) {
      return "Canceled";
    }
    StringBuilder b = new StringBuilder();
    for (String part : code.name().split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }
}

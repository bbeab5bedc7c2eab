/**
 * etcd's JSON gateway on the client port: {@code POST /v3/kv/range} and the rest of etcd 3.4's
 * grpc-gateway routes, answered by the same gRPC services as the gRPC clients, in process.
 *
 * <p>{@link dev.raftkv.server.gateway.ClientPortNegotiator} looks at the first bytes of every
 * connection to a plaintext client URL: HTTP/2's preface goes on to gRPC, anything else is HTTP/1
 * and goes to {@link dev.raftkv.server.gateway.JsonGateway}. Requests and responses are mapped with
 * protobuf's {@code JsonFormat} as etcd's gateway maps them (proto field names, 64-bit integers as
 * strings, bytes as base64); a streamed response (watch, keep-alive, snapshot, observe) is one
 * {@code {"result":…}} line per message.
 */
package dev.raftkv.server.gateway;

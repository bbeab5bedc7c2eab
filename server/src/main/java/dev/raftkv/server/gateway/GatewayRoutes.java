package dev.raftkv.server.gateway;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's routes: etcd 3.4's {@code google.api.http} bindings (every one is a {@code POST}
 * with the whole request as its body), each to the gRPC method it calls. etcd serves them under
 * {@code /v3/} and again under {@code /v3beta/}; so does this.
 */
public final class GatewayRoutes {
  /** The path prefix etcd 3.4 also serves its routes under, for clients of 3.3. */
  static final String BETA_PREFIX = "/v3beta/";

  /** etcd 3.4's bindings: path → full gRPC method name. */
  private static final Map<String, String> BINDINGS = bindings();

  private final Map<String, MethodDescriptor<?, ?>> routes;

  private GatewayRoutes(Map<String, MethodDescriptor<?, ?>> routes) {
    this.routes = routes;
  }

  /**
   * The routes whose methods {@code services} implement; a binding whose method none of them has is
   * left out (the request then gets 404, as a path etcd does not bind).
   */
  public static GatewayRoutes of(List<ServerServiceDefinition> services) {
    Map<String, MethodDescriptor<?, ?>> methods = new HashMap<>();
    for (ServerServiceDefinition s : services) {
      for (ServerMethodDefinition<?, ?> m : s.getMethods()) {
        methods.put(m.getMethodDescriptor().getFullMethodName(), m.getMethodDescriptor());
      }
    }
    Map<String, MethodDescriptor<?, ?>> routes = new HashMap<>();
    BINDINGS.forEach(
        (path, method) -> {
          MethodDescriptor<?, ?> d = methods.get(method);
          if (d != null) {
            routes.put(path, d);
          }
        });
    return new GatewayRoutes(Map.copyOf(routes));
  }

  /** The method {@code path} calls, if it is a route ({@code /v3beta/…} as {@code /v3/…}). */
  Optional<MethodDescriptor<?, ?>> find(String path) {
    String p = path.startsWith(BETA_PREFIX) ? "/v3/" + path.substring(BETA_PREFIX.length()) : path;
    return Optional.ofNullable(routes.get(p));
  }

  /** Whether {@code path} is under a prefix the gateway owns (an unknown path there is its 404). */
  static boolean isGatewayPath(String path) {
    return path.startsWith("/v3/") || path.startsWith(BETA_PREFIX);
  }

  /** The paths served, for tests and docs. */
  List<String> paths() {
    return routes.keySet().stream().sorted().toList();
  }

  private static Map<String, String> bindings() {
    Map<String, String> b = new LinkedHashMap<>();
    String kv = "etcdserverpb.KV/";
    b.put("/v3/kv/range", kv + "Range");
    b.put("/v3/kv/put", kv + "Put");
    b.put("/v3/kv/deleterange", kv + "DeleteRange");
    b.put("/v3/kv/txn", kv + "Txn");
    b.put("/v3/kv/compaction", kv + "Compact");
    b.put("/v3/watch", "etcdserverpb.Watch/Watch");
    String lease = "etcdserverpb.Lease/";
    b.put("/v3/lease/grant", lease + "LeaseGrant");
    b.put("/v3/lease/revoke", lease + "LeaseRevoke");
    b.put("/v3/kv/lease/revoke", lease + "LeaseRevoke");
    b.put("/v3/lease/keepalive", lease + "LeaseKeepAlive");
    b.put("/v3/lease/timetolive", lease + "LeaseTimeToLive");
    b.put("/v3/kv/lease/timetolive", lease + "LeaseTimeToLive");
    b.put("/v3/lease/leases", lease + "LeaseLeases");
    b.put("/v3/kv/lease/leases", lease + "LeaseLeases");
    String cluster = "etcdserverpb.Cluster/";
    b.put("/v3/cluster/member/add", cluster + "MemberAdd");
    b.put("/v3/cluster/member/remove", cluster + "MemberRemove");
    b.put("/v3/cluster/member/update", cluster + "MemberUpdate");
    b.put("/v3/cluster/member/list", cluster + "MemberList");
    b.put("/v3/cluster/member/promote", cluster + "MemberPromote");
    String maintenance = "etcdserverpb.Maintenance/";
    b.put("/v3/maintenance/alarm", maintenance + "Alarm");
    b.put("/v3/maintenance/status", maintenance + "Status");
    b.put("/v3/maintenance/defragment", maintenance + "Defragment");
    // etcd 3.4 binds HashKV to this path too, after Hash: the gateway's first match, Hash, wins
    b.put("/v3/maintenance/hash", maintenance + "Hash");
    b.put("/v3/maintenance/snapshot", maintenance + "Snapshot");
    b.put("/v3/maintenance/transfer-leadership", maintenance + "MoveLeader");
    String auth = "etcdserverpb.Auth/";
    b.put("/v3/auth/enable", auth + "AuthEnable");
    b.put("/v3/auth/disable", auth + "AuthDisable");
    b.put("/v3/auth/authenticate", auth + "Authenticate");
    b.put("/v3/auth/user/add", auth + "UserAdd");
    b.put("/v3/auth/user/get", auth + "UserGet");
    b.put("/v3/auth/user/list", auth + "UserList");
    b.put("/v3/auth/user/delete", auth + "UserDelete");
    b.put("/v3/auth/user/changepw", auth + "UserChangePassword");
    b.put("/v3/auth/user/grant", auth + "UserGrantRole");
    b.put("/v3/auth/user/revoke", auth + "UserRevokeRole");
    b.put("/v3/auth/role/add", auth + "RoleAdd");
    b.put("/v3/auth/role/get", auth + "RoleGet");
    b.put("/v3/auth/role/list", auth + "RoleList");
    b.put("/v3/auth/role/delete", auth + "RoleDelete");
    b.put("/v3/auth/role/grant", auth + "RoleGrantPermission");
    b.put("/v3/auth/role/revoke", auth + "RoleRevokePermission");
    b.put("/v3/lock/lock", "v3lockpb.Lock/Lock");
    b.put("/v3/lock/unlock", "v3lockpb.Lock/Unlock");
    String election = "v3electionpb.Election/";
    b.put("/v3/election/campaign", election + "Campaign");
    b.put("/v3/election/proclaim", election + "Proclaim");
    b.put("/v3/election/leader", election + "Leader");
    b.put("/v3/election/observe", election + "Observe");
    b.put("/v3/election/resign", election + "Resign");
    return b;
  }
}
